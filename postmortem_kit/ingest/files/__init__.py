"""Reading evidence files for every pipeline: bytes decompressed in bounded pieces
(:mod:`.decompress`), then blocks of whole, checked lines (:mod:`.blocks`)."""
