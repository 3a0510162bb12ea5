"""``mgd sweep``: parameter sweeps of training runs (and synthesis) on Dask, with results in one Parquet table.

:mod:`.spec` reads, validates and expands a sweep spec into points; :mod:`.runner` runs them on a Dask cluster and
appends the results to the table as they finish (a killed sweep resumes where it stopped); :mod:`.plot` draws the
common figures from the table. Importing this package is cheap: Dask is imported when a sweep runs.
"""
