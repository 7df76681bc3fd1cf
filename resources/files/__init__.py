"""Hosted files: what a file is (content type, safe name), where it is stored, how it is linked."""
