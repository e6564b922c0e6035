// orgflow dashboard: draws every chart on the page with vega-embed, again after each htmx swap,
// and keeps the filter bar's URL clean (no empty parameters; a preset window clears custom dates).
(function () {
  "use strict";

  function specFor(element) {
    var key = element.getAttribute("data-chart");
    var holder = element.parentElement.querySelector('script[data-spec-for="' + key + '"]');
    return holder ? JSON.parse(holder.textContent) : null;
  }

  function drawCharts(root) {
    if (typeof vegaEmbed !== "function") {
      return;
    }
    var charts = root.querySelectorAll(".chart[data-chart]:not([data-state])");
    charts.forEach(function (element) {
      var spec = specFor(element);
      if (!spec) {
        return;
      }
      element.setAttribute("data-state", "drawing");
      vegaEmbed(element, spec, { actions: false, renderer: "svg", tooltip: { theme: "light" } })
        .then(function (result) {
          element.setAttribute("data-state", "drawn");
          element.orgflowView = result.view;
        })
        .catch(function (error) {
          element.setAttribute("data-state", "failed");
          console.error("orgflow: chart " + element.getAttribute("data-chart") + " failed: " + error);
        });
    });
  }

  function tidyFilterBar(form, changed) {
    var windowSelect = form.querySelector('[data-role="window"]');
    var dates = form.querySelectorAll('[data-role="date"]');
    if (!windowSelect) {
      return;
    }
    if (changed === windowSelect) {
      dates.forEach(function (input) {
        if (windowSelect.value !== "custom") {
          input.value = "";
        }
      });
      form.querySelectorAll(".custom-dates").forEach(function (label) {
        label.classList.toggle("collapsed", windowSelect.value !== "custom");
      });
    } else if (changed && changed.getAttribute("data-role") === "date") {
      windowSelect.value = "custom";
    }
  }

  document.addEventListener("change", function (event) {
    var form = event.target.closest ? event.target.closest("form.filters") : null;
    if (form) {
      tidyFilterBar(form, event.target);
    }
  }, true);

  // A custom window waits until both dates are given; an empty field never reaches the URL.
  document.addEventListener("htmx:confirm", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form.filters")) {
      return;
    }
    var windowSelect = form.querySelector('[data-role="window"]');
    if (windowSelect && windowSelect.value === "custom") {
      var empty = Array.prototype.some.call(form.querySelectorAll('[data-role="date"]'), function (input) {
        return !input.value;
      });
      if (empty) {
        event.preventDefault();
      }
    }
  });

  document.addEventListener("htmx:configRequest", function (event) {
    var parameters = event.detail.parameters;
    var names = [];
    if (parameters && typeof parameters.forEach === "function") {
      parameters.forEach(function (value, name) { names.push([name, value]); });
    } else if (parameters) {
      Object.keys(parameters).forEach(function (name) { names.push([name, parameters[name]]); });
    }
    names.forEach(function (pair) {
      if (pair[1] === "" || (pair[0] === "window" && pair[1] === "custom")) {
        if (typeof parameters.delete === "function") {
          parameters.delete(pair[0]);
        } else {
          delete parameters[pair[0]];
        }
      }
    });
  });

  // The forecast form asks for a team or a group: choosing one clears the other.
  document.addEventListener("change", function (event) {
    var field = event.target;
    var form = field.closest ? field.closest("form.forecast-form") : null;
    if (form && (field.name === "team" || field.name === "group") && field.value) {
      var other = form.querySelector('select[name="' + (field.name === "team" ? "group" : "team") + '"]');
      if (other) {
        other.value = "";
      }
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form.filters")) {
      form.querySelectorAll("input, select").forEach(function (field) {
        if (!field.value) {
          field.disabled = true;
        }
      });
    }
  });

  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.addEventListener("htmx:afterSettle", function () { drawCharts(document); });
})();
