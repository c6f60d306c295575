from kamlib.report.cli import run

run()
