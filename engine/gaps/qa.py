"""Which pixels of a Landsat product its own quality band says not to trust as a reference:
fill, cloud, cloud shadow, snow/ice (and cirrus on OLI). A target's clouds are left alone (they
are not SLC-off gaps); a reference's clouds must never be copied into someone's gap.

Bit layouts (USGS Landsat Collection 1 and 2 product guides):
- Collection 2 QA_PIXEL, every sensor: bit 0 fill, 1 dilated cloud, 2 cirrus, 3 cloud,
  4 cloud shadow, 5 snow.
- Collection 1 BQA: bit 0 fill, 4 cloud; two-bit confidences (0 none ... 3 high) at bits 5-6
  cloud, 7-8 cloud shadow, 9-10 snow/ice, 11-12 cirrus (OLI only). Medium cloud confidence
  is kept out as well: C1's cloud bit alone misses thin cloud edges.
"""
from __future__ import annotations

import numpy as np

C2_UNTRUSTED_BITS = (0, 1, 2, 3, 4, 5)
C1_FLAG_BITS = (0, 4)
# (first bit, lowest confidence that is not trusted)
C1_CONFIDENCES = ((5, 2), (7, 3), (9, 3), (11, 3))


def qa_untrusted(qa: np.ndarray, collection: str) -> np.ndarray:
    """True where the QA band flags fill, cloud, shadow, snow or cirrus. `collection` is the
    MTL's COLLECTION_NUMBER ("01", "02"); anything else reads only the fill bit."""
    q = qa.astype(np.int64)
    if collection.strip().lstrip("0") == "2":
        bits = sum(1 << b for b in C2_UNTRUSTED_BITS)
        return (q & bits) != 0
    if collection.strip().lstrip("0") == "1":
        out = (q & sum(1 << b for b in C1_FLAG_BITS)) != 0
        for bit, level in C1_CONFIDENCES:
            out |= ((q >> bit) & 3) >= level
        return out
    return (q & 1) != 0
