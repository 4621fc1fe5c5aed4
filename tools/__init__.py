"""Build scripts: manifest, docs, release zip."""
