#!/usr/bin/env python3
"""The voiceops sandbox, a local Twilio + Vapi API server (see README.md):

    python3 tools/sandbox/voiceops_sandbox.py [--host 127.0.0.1] [--port 0] [--port-file PATH]
                                              [--verbose]

This file is only the entry point; the code is the package voiceops_sandbox/ beside it (which
`import voiceops_sandbox` finds before this file).
"""

import os
import sys

if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    if here not in sys.path:          # e.g. python3 -I / -P, which do not add the script's folder
        sys.path.insert(0, here)
    from voiceops_sandbox.cli import main
    sys.exit(main())
