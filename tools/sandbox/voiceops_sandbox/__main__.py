"""`python3 -m voiceops_sandbox` (from tools/sandbox): the same as voiceops_sandbox.py."""

import sys

from .cli import main

sys.exit(main())
