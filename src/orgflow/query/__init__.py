"""The query engine every analysis package runs on: the cut, window and `now` a figure is computed
over, lookup tables, compiled queries kept by shape, and reading rows as Arrow."""
