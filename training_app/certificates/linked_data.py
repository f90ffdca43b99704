"""JSON-LD for the credentials: the contexts they use, shipped with the app, and RDF Dataset
Canonicalization (RDFC-1.0) of a document with pyld, loading those contexts and nothing else.

A credential is canonicalised without any network: a context that is not shipped here is an
error, never a download.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from pyld import jsonld

CONTEXT_FOLDER = Path(__file__).with_name("contexts")
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
STATUS_LIST_V1 = "https://www.w3.org/ns/credentials/status/v1"
# The published address of each context, and the file that holds its text.
CONTEXT_FILES = {
    VC_V2: "credentials-v2.json",
    OB_V3: "ob-v3p0-context-3.0.3.json",
    DATA_INTEGRITY_V2: "data-integrity-v2.json",
    STATUS_LIST_V1: "vc-bitstring-status-list-v1.json",
}


class LinkedDataError(ValueError):
    """A document cannot be canonicalised: it names a context the app does not carry, or it
    is not valid JSON-LD."""


@cache
def shipped_context(url: str) -> dict:
    name = CONTEXT_FILES.get(url)
    if name is None:
        raise LinkedDataError(url)
    return json.loads((CONTEXT_FOLDER / name).read_text(encoding="utf-8"))


def document_loader(url: str, options: Any = None) -> dict:
    """pyld's document loader, serving the shipped contexts only."""
    try:
        document = shipped_context(url)
    except LinkedDataError as exc:
        raise jsonld.JsonLdError(f"context not shipped with the app: {url}",
                                 "jsonld.LoadDocumentError",
                                 code="loading document failed") from exc
    return {"contextUrl": None, "documentUrl": url, "document": document}


def canonical_nquads(document: dict) -> bytes:
    """The RDFC-1.0 canonical N-Quads of a JSON-LD document (pyld calls the algorithm by its
    earlier name, URDNA2015; RDFC-1.0 is the same algorithm). Raises LinkedDataError if the
    document needs a context the app does not carry or is not JSON-LD."""
    try:
        text = jsonld.normalize(document, {"algorithm": "URDNA2015",
                                           "format": "application/n-quads",
                                           "documentLoader": document_loader})
    except jsonld.JsonLdError as exc:
        raise LinkedDataError(str(exc)) from exc
    return text.encode("utf-8")
