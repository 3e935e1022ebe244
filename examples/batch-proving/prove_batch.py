"""Prove many borrowers' credit scores as Ray tasks, with the zkinfer Python package.

The driver compiles the bundled credit model and sets up its keys (once), puts the compiled
model and the proving key in Ray's object store, and starts one prover actor per worker: each
loads the key once and then proves the borrowers it is sent. The proofs come back as JSON, and
the driver verifies every one before it counts it.

    pip install ./python[batch]
    python examples/batch-proving/prove_batch.py --n 32 --workers 2          # local Ray cluster
    python examples/batch-proving/prove_batch.py --n 1000 --workers 16 --address auto   # a real one

On a real cluster, start Ray on each machine (`ray start --head` on one, `ray start
--address=<head>:6379` on the others, each with `pip install ./python` done), then run this
script on the head with `--address auto`: nothing needs a shared file system, since the keys
travel through the object store.
"""

import argparse
import json
import os
import pathlib
import tempfile
import time

import numpy as np
import ray

import zkinfer

MODEL = pathlib.Path(__file__).resolve().parents[2] / "models" / "credit_logistic"


def prepare(folder: pathlib.Path) -> dict:
    """Compiles the credit model with hashed features (the proof shows only their commitment)
    and sets up its keys; returns the paths."""
    paths = {name: folder / name for name in ("model.zkc", "srs.bin", "pk.bin", "vk.bin")}
    samples = [MODEL / "input.json", MODEL / "input2.json"]
    zkinfer.compile(MODEL / "model.onnx", samples, paths["model.zkc"], input_visibility="hashed")
    zkinfer.gen_srs(model=paths["model.zkc"], output=paths["srs.bin"])
    zkinfer.setup(paths["model.zkc"], paths["srs.bin"], paths["pk.bin"], paths["vk.bin"])
    return paths


def borrowers(n: int) -> list:
    """`n` borrowers between the two bundled calibration borrowers (inside the calibrated range)."""
    a, b = (zkinfer.read_input(MODEL / name) for name in ("input.json", "input2.json"))
    return [(1 - t) * a + t * b for t in np.linspace(0.0, 1.0, n)]


@ray.remote
class ProverWorker:
    """One worker: the compiled model and proving key, loaded once, then proofs on demand."""

    def __init__(self, model_bytes: bytes, pk_bytes: bytes):
        self.folder = tempfile.mkdtemp(prefix="zkinfer-worker-")
        model, pk = os.path.join(self.folder, "model.zkc"), os.path.join(self.folder, "pk.bin")
        for path, data in ((model, model_bytes), (pk, pk_bytes)):
            with open(path, "wb") as f:
                f.write(data)
        self.prover = zkinfer.Prover(model, pk)
        self.proofs = 0

    def prove(self, index: int, features: np.ndarray) -> dict:
        report = self.prover.prove(features, reference=False)
        self.proofs += 1
        return {"index": index, "bundle": report["bundle"], "prove_seconds": report["prove_seconds"], "worker": os.getpid()}

    def stats(self) -> dict:
        return {"worker": os.getpid(), "key_load_seconds": self.prover.load_seconds, "proofs": self.proofs}


def prove_batch(paths: dict, inputs: list, workers: int) -> dict:
    """Proves every input on `workers` actors (each with an equal share of the cluster's CPUs,
    and as many prover threads) and verifies each proof; returns the proofs and the timing."""
    cpus = max(1, int(ray.cluster_resources().get("CPU", 1)) // workers)
    model_ref = ray.put(paths["model.zkc"].read_bytes())
    pk_ref = ray.put(paths["pk.bin"].read_bytes())
    start = time.perf_counter()
    actors = [
        ProverWorker.options(num_cpus=cpus, runtime_env={"env_vars": {"RAYON_NUM_THREADS": str(cpus)}}).remote(model_ref, pk_ref)
        for _ in range(workers)
    ]
    pool = ray.util.ActorPool(actors)
    results = sorted(pool.map_unordered(lambda actor, job: actor.prove.remote(*job), list(enumerate(inputs))), key=lambda r: r["index"])
    seconds = time.perf_counter() - start
    verifier = zkinfer.Verifier(paths["vk.bin"])
    verified = [verifier.verify(r["bundle"]) for r in results]
    stats = ray.get([a.stats.remote() for a in actors])
    return {
        "proofs": results,
        "verified": verified,
        "workers": stats,
        "seconds": seconds,
        "proofs_per_minute": 60.0 * len(inputs) / seconds,
    }


def main(n: int, workers: int, folder: pathlib.Path) -> dict:
    paths = prepare(folder)
    batch = prove_batch(paths, borrowers(n), workers)
    print(f"{n} proofs on {workers} worker(s) in {batch['seconds']:.1f}s: {batch['proofs_per_minute']:.1f} proofs/minute "
          f"(each verified; keys loaded once per worker: {[w['proofs'] for w in batch['workers']]} proofs each)")
    return batch


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=32, help="borrowers to prove")
    parser.add_argument("--workers", type=int, default=2, help="prover actors")
    parser.add_argument("--address", help="a running Ray cluster (`auto`), default: start a local one")
    parser.add_argument("--cpus", type=int, help="CPUs of the local cluster (default: all)")
    parser.add_argument("--out", type=pathlib.Path, help="folder for the keys (default: a temporary one)")
    parser.add_argument("--json", action="store_true", help="print the timing as JSON")
    args = parser.parse_args()
    ray.init(address=args.address, num_cpus=None if args.address else args.cpus, include_dashboard=False, log_to_driver=False)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.out or pathlib.Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        batch = main(args.n, args.workers, folder)
    if args.json:
        print(json.dumps({"n": args.n, "workers": args.workers, "seconds": batch["seconds"], "proofs_per_minute": batch["proofs_per_minute"]}))
