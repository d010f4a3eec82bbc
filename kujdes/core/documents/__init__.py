"""Long documents made in the background (certificates of a whole course, a long report).

A room asks for a document with `document_job_create` and enqueues its own django-tasks task with the
job's id (never personal data); the task calls `document_job_run` with a function that makes the files.
The job's state lives in the database (queued, running with its progress, done, failed), so a restarted
web server or worker loses nothing; `kujdes documents cleanup` (a timer) re-enqueues jobs whose worker
died, and deletes the files of expired jobs. Files are personal data: each job's files are encrypted
with a key of their own (crypto-shredded when they expire) and served as attachments to the requester
and, when the room says so, to the users who may act on the same unit.
"""
