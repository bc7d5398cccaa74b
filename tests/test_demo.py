"""The demo of the README (``python -m sklearn_minmax``) runs, shows every blob
predicted right by MinMaxClassifier and the shared blob split by softmax and
one-vs-rest, and writes its plot."""

from sklearn_minmax.__main__ import main


def test_demo_prints_table_and_writes_plot(tmp_path, capsys):
    out = tmp_path / "plot.png"
    main(["--output", str(out)])
    lines = capsys.readouterr().out.splitlines()
    rows = {line.split("}")[0].split("{")[1]: list(map(float, line.split()[-3:]))
            for line in lines if line.strip()[:1].isdigit()}
    assert set(rows) == {"0", "1", "0, 1"}  # one row per blob, by true label set
    assert all(row[0] >= 0.95 for row in rows.values()), rows  # MinMaxClassifier
    ours, softmax, bce = rows["0, 1"]
    assert softmax < 0.5 and bce < 0.5, rows
    assert out.stat().st_size > 10_000
