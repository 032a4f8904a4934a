"""A stand-in for django-storages' ``storages.backends.s3.S3Storage``, for the tests only.

Debian's python3-django-storages (bookworm 1.13.2, trixie 1.14.5) ships no
backends, and the tests have no PyPI, so scripts/test-app.sh puts this module
on the test servers' PYTHONPATH under the same dotted path the settings name.
The app, its settings and Django's request handling are the real ones; this
class reproduces what django-storages 1.14's S3Storage does with the same
settings (jschneier/django-storages, storages/backends/s3.py):

- one boto3 client from the default credential chain (on ECS: the task role
  through the container credentials endpoint; never keys in settings),
  AWS_S3_REGION_NAME, AWS_S3_ENDPOINT_URL, AWS_S3_SIGNATURE_VERSION;
- _save: upload_fileobj with ContentType (the upload's, else guessed) and an
  ACL only when AWS_DEFAULT_ACL is set (it is None here: no ACLs);
- url: a presigned GET valid for AWS_QUERYSTRING_EXPIRE seconds when
  AWS_QUERYSTRING_AUTH is on;
- AWS_S3_FILE_OVERWRITE False: Django's get_available_name, which asks exists().
It is never copied into the image (tests/ is excluded from it).
"""
import io
import mimetypes

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import Storage
from django.utils.deconstruct import deconstructible


@deconstructible
class S3Storage(Storage):
    def __init__(self, **overrides):
        self.bucket_name = overrides.get("bucket_name", settings.AWS_STORAGE_BUCKET_NAME)
        self.default_acl = getattr(settings, "AWS_DEFAULT_ACL", None)
        self.querystring_auth = getattr(settings, "AWS_QUERYSTRING_AUTH", True)
        self.querystring_expire = getattr(settings, "AWS_QUERYSTRING_EXPIRE", 3600)
        self.file_overwrite = getattr(settings, "AWS_S3_FILE_OVERWRITE", True)
        self.object_parameters = dict(getattr(settings, "AWS_S3_OBJECT_PARAMETERS", {}))
        self._client = None

    @property
    def client(self):
        if self._client is None:
            self._client = boto3.session.Session().client(
                "s3",
                region_name=settings.AWS_S3_REGION_NAME,
                endpoint_url=settings.AWS_S3_ENDPOINT_URL,
                config=Config(signature_version=getattr(settings, "AWS_S3_SIGNATURE_VERSION", "s3v4")),
            )
        return self._client

    def _save(self, name, content):
        params = dict(self.object_parameters)
        if "ContentType" not in params:
            guessed, _ = mimetypes.guess_type(name)
            params["ContentType"] = getattr(content, "content_type", None) or guessed or "application/octet-stream"
        if "ACL" not in params and self.default_acl:
            params["ACL"] = self.default_acl
        content.seek(0)
        self.client.upload_fileobj(content, self.bucket_name, name, ExtraArgs=params)
        return name

    def _open(self, name, mode="rb"):
        body = self.client.get_object(Bucket=self.bucket_name, Key=name)["Body"].read()
        return File(io.BytesIO(body), name=name)

    def exists(self, name):
        try:
            self.client.head_object(Bucket=self.bucket_name, Key=name)
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def delete(self, name):
        self.client.delete_object(Bucket=self.bucket_name, Key=name)

    def size(self, name):
        return self.client.head_object(Bucket=self.bucket_name, Key=name)["ContentLength"]

    def url(self, name):
        if self.querystring_auth:
            return self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket_name, "Key": name}, ExpiresIn=self.querystring_expire
            )
        return f"{self.client.meta.endpoint_url}/{self.bucket_name}/{name}"

    def get_available_name(self, name, max_length=None):
        if self.file_overwrite:
            return name
        return super().get_available_name(name, max_length)
