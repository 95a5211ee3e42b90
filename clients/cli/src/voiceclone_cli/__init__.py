"""`voiceclone`, the command line of the voice-cloning stack.

Modules:
    main     -- argument parsing and the commands
    client   -- the gateway's HTTP API over httpx, errors mapped to `CliError`
    audio    -- reading voice files and writing results
    console  -- progress display on stderr (stdout carries only results)
"""
