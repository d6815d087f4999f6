"""Train the German LoRA adapter for multilingual-e5-small on the CPU (reproduces matching/adapter).

Why an adapter and not a new model: the 4-bit e5 weights are the only multilingual model that
can be installed offline here; a low-rank update of its attention and feed-forward layers
(about 1.3 M parameters, under 3 MB as float16) teaches it German graded similarity without
touching the 96 M-parameter embedding matrix. `matching.e5_build` merges it into the weights
when it builds the model folder, so inference costs nothing extra.

Recipe of the shipped adapter: CoSENT (ranks pairs by their gold score) on STS-B de train plus
the project's own municipal pairs (matching/adapter_data/municipal_pairs.csv), "query: " on
both sides as at inference; rank, learning rate and epochs were chosen on STS-B de DEV only
(`--eval dev`). Seeded, so two runs on the same machine give the same adapter (about 20
minutes on 2 cores).

Tried and not kept (`--per-group 6 --stop-after 1`): a second loss, multiple-negatives ranking
with a hard negative, on the blind paraphrase groups (matching/adapter_data/paraphrases_*.jsonl:
an idea in four styles plus near misses on the same theme), alternating with CoSENT batch by
batch. It lifted duplicate hit@1 on the test halves from 0.50 to 0.58 and hit@3 from 0.65/0.67
to 0.81/0.72, but lost on the `!wer` people set, routing reasons and routing dev, flagged an
unrelated pair in the seeded digest and moved a routing feedback example: a component that
hurts any set is not kept (see the closing note of the relevance issue). Nor kept, for the
same reason (figures in the model card): `--pairs municipal_pairs.csv term_pairs.csv`, short
town-hall terms, better on duplicates and the cycling posts, worse on people and routing.

Run: .venv/bin/python -m matching.adapter_train [--epochs 2] [--out matching/adapter]
Needs the `train` extra (peft).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from matching.adapter import ADAPTER_DIR, TARGET_MODULES

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
OWN_DATA = Path(__file__).resolve().parent / "adapter_data"
OWN_PAIRS = ("municipal_pairs.csv",)  # in OWN_DATA; --pairs adds more
PREFIX = "query: "


def read_pairs(path: Path) -> list[tuple[str, str, float]]:
    """STS-style rows: sentence1, sentence2, score 0..5 (a header row is skipped)."""
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh):
            if len(row) < 3:
                continue
            try:
                score = float(row[2])
            except ValueError:
                continue  # header
            rows.append((row[0], row[1], score))
    return rows


Triplet = tuple[str, str, str, str]  # anchor, positive, hard negative, group


def read_triplets(folder: Path, per_group: int, rng: random.Random) -> list[Triplet]:
    """(anchor, paraphrase, near miss) from each paraphrase group, a fresh draw per epoch."""
    out: list[Triplet] = []
    for path in sorted(folder.glob("paraphrases_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            group = json.loads(line)
            texts, misses = group["paraphrases"], group["near_misses"]
            pairs = [(a, b) for a in texts for b in texts if a != b]
            for a, b in rng.sample(pairs, min(per_group, len(pairs))):
                out.append((a, b, rng.choice(misses), group["group"]))
    return out


def triplet_batches(
    triplets: Sequence[Triplet], size: int, rng: random.Random
) -> list[list[Triplet]]:
    """Batches with at most one triplet per group: another paraphrase of the same idea in the
    batch would be taught as a negative."""
    pool = list(triplets)
    rng.shuffle(pool)
    batches: list[list[Triplet]] = []
    while pool:
        batch: list[Triplet] = []
        seen: set[str] = set()
        rest = []
        for t in pool:
            if len(batch) < size and t[3] not in seen:
                batch.append(t)
                seen.add(t[3])
            else:
                rest.append(t)
        batches.append(batch)
        pool = rest
    return [b for b in batches if len(b) > 1]


def spearman(model: object, pairs: Sequence[tuple[str, str, float]]) -> float:
    from scipy.stats import spearmanr

    encode = model.encode  # type: ignore[attr-defined]
    a = encode([PREFIX + p[0] for p in pairs], batch_size=64, normalize_embeddings=True)
    b = encode([PREFIX + p[1] for p in pairs], batch_size=64, normalize_embeddings=True)
    cos = np.einsum("ij,ij->i", a, b)
    return float(spearmanr(cos, [p[2] for p in pairs]).statistic)


def train(args: argparse.Namespace) -> dict[str, object]:
    import torch
    from peft import LoraConfig, inject_adapter_in_model
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.losses import CoSENTLoss, MultipleNegativesRankingLoss
    from tqdm import tqdm

    from matching.encoder import provision_model

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)

    plain = provision_model("multilingual-e5-small", Path(args.cache), progress=True)
    model = SentenceTransformer(plain.path, device="cpu", model_kwargs={"dtype": torch.float32})
    model.max_seq_length = args.max_len
    config = LoraConfig(
        r=args.rank,
        lora_alpha=2 * args.rank,
        lora_dropout=0.1,
        target_modules=TARGET_MODULES,
        bias="none",
    )
    transformer: Any = model[0].auto_model
    inject_adapter_in_model(config, transformer)
    for name, parameter in transformer.named_parameters():
        parameter.requires_grad = "lora_" in name

    data = read_pairs(Path(args.shared) / "stsb-de" / "stsb-de-train.csv")
    own = [row for name in args.pairs for row in read_pairs(OWN_DATA / name)]
    data += own * args.own_weight
    eval_pairs = read_pairs(Path(args.shared) / "stsb-de" / f"stsb-de-{args.eval}.csv")
    rng = random.Random(args.seed)
    epochs: list[list[list[Any]]] = [
        _batches(data, args.batch)
        + triplet_batches(read_triplets(OWN_DATA, args.per_group, rng), args.batch, rng)
        for _ in range(args.epochs)
    ]
    if args.per_group:  # without paraphrases, the batches (and adapter) of the plain recipe
        for batches in epochs:
            random.shuffle(batches)
    triplets = sum(len(b) for b in epochs[0] if len(b[0]) == 4)
    graded = CoSENTLoss(model)
    ranking = MultipleNegativesRankingLoss(model)
    params = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    steps = sum(len(b) for b in epochs)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, 1 - s / steps)
    )
    started = time.monotonic()
    history = []
    for epoch in range(args.stop_after or args.epochs):
        model.train()
        bar = tqdm(epochs[epoch], desc=f"epoch {epoch + 1}")
        for batch in bar:
            if len(batch[0]) == 4:  # anchor, paraphrase, near miss
                features = [model.tokenize([PREFIX + t[i] for t in batch]) for i in range(3)]
                loss = ranking(features, torch.empty(0))
            else:
                features = [
                    model.tokenize([PREFIX + p[0] for p in batch]),
                    model.tokenize([PREFIX + p[1] for p in batch]),
                ]
                labels = torch.tensor([p[2] / 5.0 for p in batch], dtype=torch.float32)
                loss = graded(features, labels)
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimiser.step()
            schedule.step()
            bar.set_postfix(loss=f"{loss.item():.3f}")
        model.eval()
        history.append(round(spearman(model, eval_pairs), 4))
        print(f"epoch {epoch + 1}: STS-B de {args.eval} Spearman {history[-1]}", flush=True)
        _save(transformer, config, Path(args.out) / f"epoch-{epoch + 1}")
    minutes = (time.monotonic() - started) / 60
    out = Path(args.out)
    _save(transformer, config, out)
    figures: dict[str, object] = {
        "train_pairs": len(data),
        "own_pairs": len(own),
        "paraphrase_triplets_per_epoch": triplets,
        "schedule_epochs": args.epochs,
        "epochs_run": args.stop_after or args.epochs,
        "rank": args.rank,
        "lr": args.lr,
        "seed": args.seed,
        "threads": args.threads,
        "minutes": round(minutes, 1),
        f"stsb_{args.eval}_per_epoch": history,
    }
    (out / "training.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return figures


def _batches(
    data: Sequence[tuple[str, str, float]], size: int
) -> list[list[tuple[str, str, float]]]:
    """Shuffled batches of pairs of similar length: padding to the longest costs less."""
    order = list(range(len(data)))
    random.shuffle(order)
    batches = []
    for start in range(0, len(order), size * 16):
        chunk = sorted(order[start : start + size * 16], key=lambda i: len(data[i][0] + data[i][1]))
        batches += [[data[i] for i in chunk[j : j + size]] for j in range(0, len(chunk), size)]
    random.shuffle(batches)
    return batches


def _save(transformer: object, config: object, out: Path) -> None:
    """adapter_config.json and adapter_model.safetensors (float16), in peft's own format."""
    import torch

    out.mkdir(parents=True, exist_ok=True)
    from peft import get_peft_model_state_dict
    from safetensors.torch import save_file

    state = get_peft_model_state_dict(transformer)
    half = {k: v.detach().to(torch.float16).contiguous() for k, v in state.items()}
    save_file(half, str(out / "adapter_model.safetensors"), metadata={"format": "pt"})
    config.save_pretrained(str(out))  # type: ignore[attr-defined]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ADAPTER_DIR))
    parser.add_argument("--shared", default=str(SHARED))
    parser.add_argument("--cache", default="data/models")
    parser.add_argument("--eval", choices=("dev", "test"), default="dev")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--max-len", type=int, default=128)
    parser.add_argument("--own-weight", type=int, default=2, help="repeat our own pairs")
    parser.add_argument(
        "--pairs", nargs="+", default=list(OWN_PAIRS), help="our own pair files in adapter_data"
    )
    parser.add_argument(
        "--stop-after",
        type=int,
        default=None,
        help="epochs to run of the --epochs schedule (the learning rate still decays over all)",
    )
    parser.add_argument(
        "--per-group", type=int, default=0, help="triplets per paraphrase group (0: none)"
    )
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--threads", type=int, default=2)
    print(json.dumps(train(parser.parse_args(argv))))


if __name__ == "__main__":
    main()
