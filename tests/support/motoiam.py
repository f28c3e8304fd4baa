"""IAM users for tests, and the action names moto checks besides the ones AWS documents.

Since moto 5.2.6 its IAM simulation authorises an S3 request by the API operation's
name rather than by the IAM action S3 documents for it. AWS's Service Authorization
Reference (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html)
maps ListObjectsV2 to s3:ListBucket, CreateMultipartUpload to s3:PutObject and
ListParts to s3:ListMultipartUploadParts; moto 5.2.6 asks for s3:ListObjectsV2,
s3:CreateMultipartUpload and s3:ListParts. Those names are no IAM actions, so AWS
grants nothing for them: a policy with them added means the same on AWS.
"""

from __future__ import annotations

import json
import uuid

import boto3

MOTO_OPERATION_NAMES: dict[str, tuple[str, ...]] = {
    "s3:ListBucket": ("s3:ListObjectsV2",),
    "s3:PutObject": ("s3:CreateMultipartUpload",),
    "s3:ListMultipartUploadParts": ("s3:ListParts",),
}


def with_moto_names(actions: list[str]) -> list[str]:
    """``actions`` plus the operation names moto checks for exactly those actions."""
    return [*actions, *(n for a in actions for n in MOTO_OPERATION_NAMES.get(a, ()))]


def restricted_user(endpoint: str, bucket: str, actions: list[str]) -> tuple[str, str]:
    """An IAM user of the moto at ``endpoint`` allowed only ``actions`` on the bucket; its keys."""
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1")
    name = f"content-manager-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": with_moto_names(actions),
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            }
        ],
    }
    iam.put_user_policy(UserName=name, PolicyName="media", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]
