set(MEMSIM_ENGINE_SOURCES
  core/engine/config.c
  core/engine/event.c
  core/engine/sim.c
  core/engine/replay.c
)
