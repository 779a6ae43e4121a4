"""The README's rnnlib example runs and prints what the README says it prints."""

import contextlib
import io
import re
import runpy
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_trains_and_prints_the_stated_numbers(tmp_path):
    text = README.read_text()
    code = re.search(r"```python\n(.*?)```", text, re.DOTALL).group(1)
    stated = re.search(r"# (\d\.\d{3}) -> (\d\.\d{3})", code)
    assert stated, "the README example should state the loss it prints"
    script = tmp_path / "readme_example.py"
    script.write_text(code)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        runpy.run_path(str(script), run_name="__main__")
    assert out.getvalue().strip() == f"loss {stated.group(1)} -> {stated.group(2)}"
