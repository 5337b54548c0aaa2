;; Startup benchmark: a module whose `_start` returns at once, so a run
;; measures only the engine's exec-to-exit cost.
(module
  (memory (export "memory") 1)
  (func (export "_start")))
