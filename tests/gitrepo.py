"""Real git repositories for tests, built with the real `git` binary and fixed times.

Every commit takes its author and committer instants (``GIT_AUTHOR_DATE``, ``GIT_COMMITTER_DATE``), and
an annotated tag takes its tagger instant from the committer date, so every time is exact. The user's
git configuration is kept out (``HOME`` and ``GIT_CONFIG_GLOBAL`` point into the repository's folder).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


class GitRepo:
    """A repository in `path` on branch ``main``; methods run git and return shas."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self._home = path.parent / f".{path.name}-home"
        self._home.mkdir(exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "Default Dev")
        self.git("config", "user.email", "default@example.com")
        self.git("config", "commit.gpgsign", "false")
        self.git("config", "tag.gpgsign", "false")
        self._counter = 0

    def _environment(
        self,
        *,
        authored: str | None = None,
        committed: str | None = None,
        author: str | None = None,
        email: str | None = None,
    ) -> dict[str, str]:
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self._home),
            "GIT_CONFIG_GLOBAL": str(self._home / "gitconfig"),
            "GIT_CONFIG_NOSYSTEM": "1",
            "LANG": "C",
        }
        if committed is not None:
            environment["GIT_COMMITTER_DATE"] = committed
            environment["GIT_AUTHOR_DATE"] = authored or committed
        if author is not None:
            environment["GIT_AUTHOR_NAME"] = author
            environment["GIT_AUTHOR_EMAIL"] = email or f"{author.lower().replace(' ', '.')}@example.com"
        return environment

    def git(self, *arguments: str, **times: str | None) -> str:
        """Run git in the repository; `times` are authored/committed/author/email for this call."""
        completed = subprocess.run(
            ["git", *arguments],
            cwd=self.path,
            env=self._environment(**times),
            capture_output=True,
            text=True,
            check=True,
        )
        return completed.stdout.strip()

    def rev(self, ref: str = "HEAD") -> str:
        """The full sha of `ref`."""
        return self.git("rev-parse", f"{ref}^{{commit}}")

    def write(self, name: str, content: str | bytes) -> None:
        """Write a file of the work tree (folders made as needed) and stage it."""
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
        self.git("add", "--", name)

    def commit(
        self,
        message: str,
        *,
        at: str,
        authored: str | None = None,
        author: str = "Default Dev",
        email: str | None = None,
        files: dict[str, str | bytes] | None = None,
    ) -> str:
        """Commit `files` (default: one new line in ``log.txt``) at committer time `at`; returns the sha."""
        if files is None:
            self._counter += 1
            previous = (self.path / "log.txt").read_text() if (self.path / "log.txt").exists() else ""
            files = {"log.txt": f"{previous}{self._counter} {message}\n"}
        for name, content in files.items():
            self.write(name, content)
        self.git(
            "commit", "-q", "--allow-empty", "-m", message, committed=at, authored=authored, author=author, email=email
        )
        return self.rev()

    def move(self, old: str, new: str, *, at: str) -> str:
        """Rename a file (git mv) and commit it."""
        (self.path / new).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", old, new)
        self.git("commit", "-q", "-m", f"move {old} to {new}", committed=at)
        return self.rev()

    def branch(self, name: str, start: str = "HEAD") -> None:
        """Create branch `name` at `start` and switch to it."""
        self.git("checkout", "-q", "-b", name, start)

    def checkout(self, name: str) -> None:
        self.git("checkout", "-q", name)

    def merge(self, branch: str, *, at: str, message: str | None = None) -> str:
        """A merge commit (--no-ff) of `branch` into the current branch."""
        self.git("merge", "-q", "--no-ff", "-m", message or f"Merge {branch}", branch, committed=at)
        return self.rev()

    def squash(self, branch: str, *, at: str, message: str) -> str:
        """Squash-merge `branch`: one new single-parent commit holding its changes."""
        self.git("merge", "-q", "--squash", branch, committed=at)
        self.git("commit", "-q", "-m", message, committed=at)
        return self.rev()

    def revert(self, sha: str, *, at: str) -> str:
        """`git revert` of `sha` (message: Revert "..." / This reverts commit <sha>.)."""
        self.git("revert", "--no-edit", sha, committed=at)
        return self.rev()

    def tag(self, name: str, ref: str = "HEAD", *, at: str | None = None, message: str | None = None) -> None:
        """A lightweight tag, or an annotated one (tagger time `at`) when `at` is given."""
        if at is None:
            self.git("tag", name, ref)
        else:
            self.git("tag", "-a", name, "-m", message or name, ref, committed=at)

    def bare_clone(self, path: Path) -> Path:
        """A bare clone of this repository (branches and tags) at `path`."""
        subprocess.run(
            ["git", "clone", "-q", "--bare", str(self.path), str(path)],
            env=self._environment(),
            check=True,
            capture_output=True,
        )
        return path
