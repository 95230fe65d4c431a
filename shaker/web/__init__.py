"""HTTP pieces ``shaker dev`` and ``shaker preview`` share: the file-system guard, Host and
Origin checks, responses and MIME types, listening and the banner, the interrupt loop."""
