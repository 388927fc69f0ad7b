# core/sink: the result database (the only code that includes sqlite3.h).
set(MEMSIM_SINK_SOURCES
  core/sink/sqlite_sink.c
  core/sink/schema.c
  core/sink/report.c
  core/sink/bench.c
)
