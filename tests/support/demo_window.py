"""The app's window on its demo, driven as a user drives it, in a process a test can kill.

    python tests/support/demo_window.py upload FILE    # opens the demo, uploads FILE to videos/
    python tests/support/demo_window.py finish ID      # opens the demo, waits until ID is done

Each prints one JSON line per transfer event (``{"id", "state", "done", "total"}``); ``finish``
ends with ``{"sha256": ...}`` of the object read back from the demo's S3. The window is the
real one (offscreen), its demo the real child process over the app's data directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from coachadmin.connection import Connection
from coachadmin.s3.client import make_client
from coachadmin.transfers.events import TransferEvent, TransferState
from coachadmin.ui import bridge as bridge_module
from coachadmin.ui import messages
from coachadmin.ui.app import create_application
from coachadmin.ui.main_window import MainWindow


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    mode, argument = sys.argv[1], sys.argv[2]
    app = create_application()
    window = MainWindow(bridge=bridge_module.bridge(), bus=messages.bus())
    app.aboutToQuit.connect(window.shutdown)

    def report(events: list[TransferEvent]) -> None:
        for event in events:
            line = {"id": event.transfer_id, "state": str(event.state)}
            print(json.dumps(line | {"done": event.bytes_done, "total": event.total}), flush=True)
            if mode == "finish" and event.transfer_id == argument:
                if event.state is TransferState.DONE:
                    finish(event)
                elif event.state is TransferState.FAILED:
                    print(json.dumps({"failed": event.message}), flush=True)
                    app.exit(1)

    def finish(event: TransferEvent) -> None:
        connection = window.connection
        assert connection is not None
        body = make_client(connection.s3).get_object(Bucket=event.bucket, Key=event.key)
        print(json.dumps({"sha256": hashlib.sha256(body["Body"].read()).hexdigest()}), flush=True)
        app.exit(0)

    def opened(connection: Connection) -> None:
        if mode == "upload" and connection.demo:
            path = Path(argument)
            window.transfers.upload(path, f"videos/{path.name}", connection)

    window.transfers.events.connect(report)
    window.connection_changed.connect(opened)
    window.show()
    window.start_demo()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
