import sys

from services.bench.main import main

sys.exit(main())
