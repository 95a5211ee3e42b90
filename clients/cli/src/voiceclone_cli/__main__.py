from voiceclone_cli.main import main

raise SystemExit(main())
