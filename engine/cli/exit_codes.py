"""The engine CLI's exit codes, read by the plugin's worker runner to tell bad input from a bug
or an interrupt: one definition on both sides of the process boundary."""

EXIT_INTERNAL = 1      # a bug or out of memory: the message says so
EXIT_BAD_INPUT = 2     # an EngineError: one line `error: ...`, nothing written
EXIT_INTERRUPTED = 130  # Ctrl-C or SIGTERM: partial files removed
