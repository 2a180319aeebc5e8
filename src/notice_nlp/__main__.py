from notice_nlp.cli import main

main()
