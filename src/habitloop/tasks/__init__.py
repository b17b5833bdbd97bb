"""The task library as stored: import, export, the API, and each worker's in-memory copy."""
