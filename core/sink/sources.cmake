set(MEMSIM_SINK_SOURCES core/sink/sqlite_sink.c)
