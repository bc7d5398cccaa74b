"""The demo of the README runs and shows the shared blob predicted as both."""

from sklearn_minmax.__main__ import main


def test_demo_prints_table_and_writes_plot(tmp_path, capsys):
    out = tmp_path / "plot.png"
    main(["--output", str(out)])
    text = capsys.readouterr().out
    shared_row = [line for line in text.splitlines() if "{0, 1}" in line][0]
    ours, softmax, bce = map(float, shared_row.split()[-3:])
    assert ours >= 0.95 and softmax < 0.5 and bce < 0.5
    assert out.stat().st_size > 10_000
