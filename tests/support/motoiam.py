"""IAM action names moto checks besides the ones AWS documents.

Since moto 5.2.6 its IAM simulation authorises an S3 request by the API operation's
name rather than by the IAM action S3 documents for it. AWS's Service Authorization
Reference (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html)
maps ListObjectsV2 to s3:ListBucket, CreateMultipartUpload to s3:PutObject and
ListParts to s3:ListMultipartUploadParts; moto 5.2.6 asks for s3:ListObjectsV2,
s3:CreateMultipartUpload and s3:ListParts. Those names are no IAM actions, so AWS
grants nothing for them: a policy with them added means the same on AWS.
"""

from __future__ import annotations

MOTO_OPERATION_NAMES: dict[str, tuple[str, ...]] = {
    "s3:ListBucket": ("s3:ListObjectsV2",),
    "s3:PutObject": ("s3:CreateMultipartUpload",),
    "s3:ListMultipartUploadParts": ("s3:ListParts",),
}


def with_moto_names(actions: list[str]) -> list[str]:
    """``actions`` plus the operation names moto checks for exactly those actions."""
    return [*actions, *(n for a in actions for n in MOTO_OPERATION_NAMES.get(a, ()))]
