import subprocess
import sys

CODE = """
import sys
from imagehear.cli import build_parser, main
build_parser().format_help()
heavy = sorted(m for m in ("torch", "transformers", "datasets", "gradio", "hear21passt") if m in sys.modules)
print(heavy)
"""


def test_help_and_plan_import_no_heavy_modules(tmp_path):
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    code = f"from imagehear.cli import main; import sys; main(['plan', '--out', {str(tmp_path)!r}]); " \
           "print([m for m in ('torch', 'transformers', 'datasets') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_console_script_help():
    out = subprocess.run([sys.executable, "-m", "imagehear.cli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    for command in ("plan", "check", "dataset", "evaluate", "leaderboard"):
        assert command in out.stdout
