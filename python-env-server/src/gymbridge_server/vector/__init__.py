"""How a session's envs are vectorized: the factory (``factory.py``, the only place that knows the
modes), the lean sync step (``leanvec.py``), worker processes with shared memory (``workers.py``) and
what to do when a process-backed env fails (``crash.py``)."""
