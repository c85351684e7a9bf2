"""The preview's error is the problems its pass wrote (plugins/guard), each with its fix."""

from __future__ import annotations

from commons.problems import read_problems
from tests.preview.helpers import PreviewProcess, Site


def test_a_bad_save_shows_the_problem_file_and_a_good_one_clears_it(tmp_path):
    site = Site(tmp_path / "site")
    output = tmp_path / "preview" / "output"
    preview = PreviewProcess(site, output, tmp_path / "preview.log")
    problems_file = output.parent / f".preview-problems-{output.name}.json"
    broken = site.content / "post-0.md"
    good = broken.read_text(encoding="utf-8")
    with preview:
        assert read_problems(problems_file) == []
        rests = preview.status()["rests"]
        broken.write_text(good.replace("Date: 2024-01-03", "Date: someday"), encoding="utf-8")
        error = preview.settle(rests)["error"]

        [problem] = [p for p in read_problems(problems_file) if p.field == "date"]
        assert problem.file == "post-0.md" and "'someday 09:30'" in problem.problem and problem.fix
        # What the overlay shows is the problem as the file has it, once.
        assert error.count(str(problem)) == 1, error

        rests = preview.status()["rests"]
        broken.write_text(good, encoding="utf-8")
        assert preview.settle(rests)["error"] is None
        assert read_problems(problems_file) == []
