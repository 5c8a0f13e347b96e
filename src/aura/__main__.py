from aura.cli.main import main

main()
