"""``python -m workbench.generation.diffusers FD``: the worker process (:func:`.worker.worker_main`), talking
over the socket whose descriptor it is given."""

import sys
from multiprocessing.connection import Connection

from workbench.generation.diffusers.worker import worker_main

if __name__ == "__main__":
    worker_main(Connection(int(sys.argv[1])))
