"""Build hook: the wheel carries the report notebooks as ``kamlib/notebooks``.

The top-level ``notebooks/`` folder is their only home in the repository (analysts
open and edit them there); building a wheel copies them into the package, so an
installed ``kam report`` finds them without a checkout. Everything else about the
package is declared in pyproject.toml.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class build_py_with_notebooks(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's notebooks/ directly
        target = Path(self.build_lib) / "kamlib" / "notebooks"
        target.mkdir(parents=True, exist_ok=True)
        for nb in sorted((HERE / "notebooks").glob("*.ipynb")):
            self.copy_file(str(nb), str(target / nb.name))


setup(cmdclass={"build_py": build_py_with_notebooks})
