import sys

from pipeline import collector

collector.short_run()  # before the imports: see pipeline.collector

from pipeline.cli import main  # noqa: E402

sys.exit(main())
