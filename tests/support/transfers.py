"""Helpers for the transfer engine's tests: buckets, files, the engine, the CLI as a process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings
from coachadmin.transfers.clients import TransferClients
from coachadmin.transfers.config import MiB, TransferConfig
from coachadmin.transfers.download import DownloadRequest, DownloadRunner, prepare_download
from coachadmin.transfers.journal import DownloadRecord, Journal, UploadRecord
from coachadmin.transfers.upload import KeyCheck, UploadRequest, UploadRunner, prepare_upload

#: Small parts keep the tests quick: 5 MiB is S3's (and moto's) minimum.
SMALL = TransferConfig(
    part_size=5 * MiB,
    multipart_threshold=5 * MiB,
    concurrency=4,
    # Fixed (at or below ``concurrency``): the tests count parts and their order;
    # tests/integration/test_upload_growth.py lets them grow.
    max_concurrency=0,
    backoff_base=0.01,
    backoff_cap=0.2,
    read_timeout=5,
    connect_timeout=2,
)


def journaled_upload(journal: Journal, **changes: Any) -> UploadRecord:
    """A made-up upload row (no file, no server), for tests of the journal itself."""
    base = UploadRecord(
        id=journal.new_id(),
        path="/tmp/f",
        size=100,
        mtime_ns=1,
        part_size=5,
        bucket="b",
        key="k",
        state="queued",
        metadata={"a": "b"},
    )
    return journal.create_upload(replace(base, **changes))


def unique_bucket(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def make_bucket(endpoint: str, prefix: str = "t") -> str:
    bucket = unique_bucket(prefix)
    make_client(S3Settings(endpoint_url=endpoint)).create_bucket(Bucket=bucket)
    return bucket


def write_random(path: Path, size: int) -> bytes:
    data = os.urandom(size)
    path.write_bytes(data)
    return data


def get_bytes(endpoint: str, bucket: str, key: str) -> bytes:
    client = make_client(S3Settings(endpoint_url=endpoint))
    return client.get_object(Bucket=bucket, Key=key)["Body"].read()


def multipart_uploads(endpoint: str, bucket: str) -> list[dict[str, Any]]:
    client = make_client(S3Settings(endpoint_url=endpoint))
    return list(client.list_multipart_uploads(Bucket=bucket).get("Uploads", []))


@dataclass
class Engine:
    """The engine's parts wired to one endpoint, as the CLI and the GUI wire them."""

    endpoint: str
    config: TransferConfig
    journal: Journal
    clients: TransferClients

    @property
    def settings(self) -> S3Settings:
        return S3Settings(endpoint_url=self.endpoint)

    @property
    def client(self) -> Any:
        return self.clients(self.settings)

    def prepare(
        self, path: Path, bucket: str, key: str, key_check: KeyCheck = KeyCheck.NOW, **request: Any
    ) -> UploadRecord:
        """Journal an upload (``request``: more UploadRequest fields), as the CLI does first."""
        upload = UploadRequest(path, bucket, key, **request)
        return prepare_upload(
            self.journal, self.client, self.settings, upload, self.config, key_check=key_check
        )

    def uploader(self, transfer_id: str, **kwargs: Any) -> UploadRunner:
        return UploadRunner(self.journal, self.client, transfer_id, self.config, **kwargs)

    def prepare_download(self, bucket: str, key: str, dest: Path) -> DownloadRecord:
        download = DownloadRequest(bucket, key, dest)
        return prepare_download(self.journal, self.client, self.settings, download, self.config)

    def stored_for_download(
        self, bucket: str, key: str, dest: Path, size: int
    ) -> tuple[bytes, DownloadRecord]:
        """``size`` random bytes stored at ``key``, and their download to ``dest`` prepared."""
        data = os.urandom(size)
        self.client.put_object(Bucket=bucket, Key=key, Body=data)
        return data, self.prepare_download(bucket, key, dest)

    def downloader(self, transfer_id: str, **kwargs: Any) -> DownloadRunner:
        return DownloadRunner(self.journal, self.client, transfer_id, self.config, **kwargs)


def engine(endpoint: str, config: TransferConfig = SMALL) -> Engine:
    return Engine(endpoint, config, Journal(), TransferClients(config))


def json_lines(text: str) -> list[dict[str, Any]]:
    """The objects a ``--json`` command printed, one per line."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def run_cli(
    *args: str,
    timeout: float = 90,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """`coachadmin ARGS` as a real process (COACHADMIN_HOME and AWS_* come from ``env``, by
    default this process's environment)."""
    return subprocess.run(
        [sys.executable, "-m", "coachadmin", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=env,
        timeout=timeout,
        check=False,
    )


def start_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "coachadmin", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
