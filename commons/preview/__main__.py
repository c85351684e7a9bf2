import sys

from commons.preview.server import main

sys.exit(main())
