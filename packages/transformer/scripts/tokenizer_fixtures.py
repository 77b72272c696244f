"""Writes the tokenizer fixtures (fixtures/tokenizers/<kind>/tokenizer.json + expected.json) that
src/tokenizer/hf_tokenizer.test.ts checks @huggingface/tokenizers against. The expected ids come from libraries
INDEPENDENT of it: transformers 4.44.2's slow pure-Python tokenizers (GPT2Tokenizer, Qwen2Tokenizer) for byte-level
BPE, and Google's sentencepiece (Debian python3-sentencepiece 0.1.97) for SentencePiece BPE with byte fallback.
Run with /usr/bin/python3 (from packages/transformer):

    /usr/bin/python3 scripts/tokenizer_fixtures.py --src /work/ref/hf [--harness /work/shared/hf-harness]

Kinds:
  gpt2      byte-level BPE, GPT-2's regex (GPT-2, GPT-Neo, GPT-NeoX): the first 300 merges of the bundled tiny
            Shakespeare tokenizer; expected ids from GPT2Tokenizer.
  qwen2     byte-level BPE behind Qwen 2's Split regex and NFC; same merges; expected ids from Qwen2Tokenizer.
  llama3    byte-level BPE behind Llama 3's Split regex (digits in runs of up to 3); same merges; expected ids from
            Qwen2Tokenizer's code with Llama 3's pattern.
  llama2_sp SentencePiece BPE, byte fallback, "▁" prepended (Llama 2 / Mistral): a 400-piece model trained here by
            sentencepiece, turned into tokenizer.json as transformers' LlamaConverter does; expected ids from
            sentencepiece.
  gemma_sp  the same without the prepended "▁" (Gemma's add_dummy_prefix false).
"""
import argparse
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ASSETS = os.path.join(HERE, "..", "assets", "tiny-shakespeare")
OUT = os.path.join(HERE, "..", "fixtures", "tokenizers")
N_MERGES = 300

GPT2_PAT = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
SPLIT_HEAD = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|"""
SPLIT_TAIL = r"""| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
QWEN2_PAT = SPLIT_HEAD + r"\p{N}" + SPLIT_TAIL
LLAMA3_PAT = SPLIT_HEAD + r"\p{N}{1,3}" + SPLIT_TAIL

# Tricky text: whitespace runs, tabs/newlines, Unicode (accents, CJK, combining marks, NFC vs NFD), emoji (ZWJ,
# flags, skin tones), digits in long runs, contractions in caps, special tokens inside text.
TEXTS = [
    "Hello world",
    "First Citizen:\nBefore we proceed any further, hear me speak.",
    "  leading and   inner   spaces   ",
    "tabs\tand\n\nnewlines\r\n  mixed \n\t ",
    "I'M SURE it's 'quoted' -- don't WE'LL",
    "digits 1234567 and 3.14159, 2026-12-04, x1y22z333",
    "café naïve Ünïcödé — “quotes” …",
    "cafe\u0301 vs caf\u00e9 (NFD vs NFC)",
    "日本語のテキスト 中文 한국어",
    "emoji 😀👍🏽 👨‍👩‍👧 🇫🇷!!",
    "",
    " ",
    "\n",
    "a",
]


def byte_chars():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    bs += list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for c in cs]


def byte_level_vocab():
    lines = open(os.path.join(ASSETS, "merges.txt"), encoding="utf-8").read().split("\n")
    merges = [m for m in lines[1:] if m][:N_MERGES]
    vocab = {c: i for i, c in enumerate(byte_chars())}
    for m in merges:
        a, b = m.split(" ")
        vocab.setdefault(a + b, len(vocab))
    return vocab, merges


def added(id_, content):
    return dict(id=id_, content=content, single_word=False, lstrip=False, rstrip=False, normalized=False, special=True)


def byte_level_json(vocab, merges, specials, normalizer, pre_tokenizer, post_processor=None):
    return dict(
        version="1.0",
        truncation=None,
        padding=None,
        added_tokens=[added(i, s) for s, i in specials.items()],
        normalizer=normalizer,
        pre_tokenizer=pre_tokenizer,
        post_processor=post_processor,
        decoder=dict(type="ByteLevel", add_prefix_space=True, trim_offsets=True, use_regex=True),
        model=dict(type="BPE", dropout=None, unk_token=None, continuing_subword_prefix="", end_of_word_suffix="",
                   fuse_unk=False, byte_fallback=False, ignore_merges=False, vocab={**vocab, **specials},
                   merges=merges),
    )


def template(bos, bos_id):
    """The TemplateProcessing post-processor that puts BOS first (Llama 2, Llama 3, Gemma)."""
    special = lambda t: dict(SpecialToken=dict(id=bos, type_id=t))  # noqa: E731
    seq = lambda s, t: dict(Sequence=dict(id=s, type_id=t))  # noqa: E731
    return dict(type="TemplateProcessing", single=[special(0), seq("A", 0)],
                pair=[special(0), seq("A", 0), special(1), seq("B", 1)],
                special_tokens={bos: dict(id=bos, ids=[bos_id], tokens=[bos])})


def split_then_bytes(pattern):
    return dict(type="Sequence", pretokenizers=[
        dict(type="Split", pattern=dict(Regex=pattern), behavior="Isolated", invert=False),
        dict(type="ByteLevel", add_prefix_space=False, trim_offsets=True, use_regex=False),
    ])


def write(kind, tokenizer_json, config, cases, notes):
    d = os.path.join(OUT, kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_json, f, ensure_ascii=False)
    with open(os.path.join(d, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, ensure_ascii=False)
    with open(os.path.join(d, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(dict(notes=notes, cases=cases), f, ensure_ascii=False, indent=0)
    print(kind, len(cases), "cases")


def byte_level(src_dir):
    from transformers.models.gpt2.tokenization_gpt2 import GPT2Tokenizer
    from transformers.models.qwen2.tokenization_qwen2 import Qwen2Tokenizer
    import regex

    vocab, merges = byte_level_vocab()
    tmp = tempfile.mkdtemp()

    def files(specials):
        """vocab.json (specials included at their ids, as the real models ship them) and merges.txt."""
        vf, mf = os.path.join(tmp, "vocab.json"), os.path.join(tmp, "merges.txt")
        json.dump({**vocab, **specials}, open(vf, "w", encoding="utf-8"), ensure_ascii=False)
        open(mf, "w", encoding="utf-8").write("#version: 0.2\n" + "\n".join(merges) + "\n")
        return vf, mf

    n = len(vocab)
    specials_text = " <|endoftext|> in the middle<|endoftext|>and end"

    # gpt2: <|endoftext|> is bos = eos
    sp = {"<|endoftext|>": n}
    tok = GPT2Tokenizer(*files(sp))
    tok.add_special_tokens({"eos_token": "<|endoftext|>", "bos_token": "<|endoftext|>", "unk_token": "<|endoftext|>"})
    assert tok.convert_tokens_to_ids("<|endoftext|>") == n
    tj = byte_level_json(vocab, merges, sp, None,
                         dict(type="ByteLevel", add_prefix_space=False, trim_offsets=True, use_regex=True))
    cases = [dict(text=t, ids=tok.encode(t)) for t in TEXTS + [specials_text]]
    write("gpt2", tj, dict(bos_token="<|endoftext|>", eos_token="<|endoftext|>"), cases,
          "GPT2Tokenizer (transformers 4.44.2 slow, pure Python)")

    # qwen2: NFC, its split regex; <|endoftext|>, <|im_start|>, <|im_end|>
    sp = {"<|endoftext|>": n, "<|im_start|>": n + 1, "<|im_end|>": n + 2}
    tok = Qwen2Tokenizer(*files(sp))
    tok.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    tj = byte_level_json(vocab, merges, sp, dict(type="NFC"), split_then_bytes(QWEN2_PAT))
    chat = "<|im_start|>user\nHi there<|im_end|>\n<|endoftext|>"
    cases = [dict(text=t, ids=tok.encode(t)) for t in TEXTS + [specials_text, chat]]
    write("qwen2", tj, dict(bos_token=None, eos_token="<|endoftext|>"), cases,
          "Qwen2Tokenizer (transformers 4.44.2 slow, pure Python)")

    # llama3: no normalizer, digits in runs of up to three; <|begin_of_text|> prepended by the post-processor
    sp = {"<|begin_of_text|>": n, "<|end_of_text|>": n + 1}
    tok = Qwen2Tokenizer(*files(sp), unk_token=None, eos_token="<|end_of_text|>", pad_token=None)
    tok.add_special_tokens({"additional_special_tokens": ["<|begin_of_text|>"]})
    tok.pat = regex.compile(LLAMA3_PAT)
    tok.prepare_for_tokenization = lambda text, **kw: (text, kw)  # Llama 3 has no NFC step
    post = template("<|begin_of_text|>", n)
    tj = byte_level_json(vocab, merges, sp, None, split_then_bytes(LLAMA3_PAT), post)
    cases = [dict(text=t, ids=tok.encode(t)) for t in TEXTS + ["<|begin_of_text|>Hi<|end_of_text|>"]]
    write("llama3", tj, dict(bos_token="<|begin_of_text|>", eos_token="<|end_of_text|>"), cases,
          "Qwen2Tokenizer's code (transformers 4.44.2 slow) with Llama 3's split pattern and no NFC")


def sp_json(sp, dummy_prefix):
    """tokenizer.json as transformers' LlamaConverter / GemmaConverter write it (vocab + merges from the model)."""
    vocab = {sp.id_to_piece(i): i for i in range(sp.get_piece_size())}
    # SentencePieceExtractor: every piece that splits into two pieces of the vocab gives a merge, ordered by the
    # merged piece's id, then by the ids of its parts
    merges = []
    for piece, pid in vocab.items():
        for k in range(1, len(piece)):
            a, b = piece[:k], piece[k:]
            if a in vocab and b in vocab:
                merges.append((vocab[a], vocab[b], pid, a, b))
    merges.sort(key=lambda m: (m[2], m[0], m[1]))
    normalizer = (dict(type="Sequence", normalizers=[dict(type="Prepend", prepend="▁"),
                                                     dict(type="Replace", pattern=dict(String=" "), content="▁")])
                  if dummy_prefix else dict(type="Replace", pattern=dict(String=" "), content="▁"))
    decoders = [dict(type="Replace", pattern=dict(String="▁"), content=" "), dict(type="ByteFallback"),
                dict(type="Fuse")]
    if dummy_prefix:
        decoders.append(dict(type="Strip", content=" ", start=1, stop=0))
    post = template("<s>", 1)
    return dict(
        version="1.0", truncation=None, padding=None,
        added_tokens=[added(0, "<unk>"), added(1, "<s>"), added(2, "</s>")],
        normalizer=normalizer, pre_tokenizer=None, post_processor=post,
        decoder=dict(type="Sequence", decoders=decoders),
        model=dict(type="BPE", dropout=None, unk_token="<unk>", continuing_subword_prefix=None,
                   end_of_word_suffix=None, fuse_unk=True, byte_fallback=True, ignore_merges=False,
                   vocab=vocab, merges=[f"{a} {b}" for _, _, _, a, b in merges]),
    )


def sentencepiece_kinds():
    import sentencepiece as spm

    text = open(os.path.join(ASSETS, "input.txt"), encoding="utf-8").read()[:200000]
    tmp = tempfile.mkdtemp()
    corpus = os.path.join(tmp, "corpus.txt")
    open(corpus, "w", encoding="utf-8").write(text + "\ncafé naïve 日本 😀\n")
    for kind, dummy in (("llama2_sp", True), ("gemma_sp", False)):
        prefix = os.path.join(tmp, kind)
        spm.SentencePieceTrainer.train(
            input=corpus, model_prefix=prefix, vocab_size=400, model_type="bpe", byte_fallback=True,
            normalization_rule_name="identity", remove_extra_whitespaces=False, split_digits=True,
            allow_whitespace_only_pieces=True, add_dummy_prefix=dummy, character_coverage=0.9995,
            unk_id=0, bos_id=1, eos_id=2, pad_id=-1, minloglevel=2)
        sp = spm.SentencePieceProcessor(model_file=prefix + ".model")
        cases = [dict(text=t, ids=sp.encode(t)) for t in TEXTS]
        write(kind, sp_json(sp, dummy), dict(bos_token="<s>", eos_token="</s>"), cases,
              f"sentencepiece {spm.__version__} (BPE, byte_fallback, add_dummy_prefix={dummy})")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--src", required=True, help="transformers 4.44.2 checkout holding src/transformers")
    p.add_argument("--harness", default="/work/shared/hf-harness")
    a = p.parse_args()
    sys.path.insert(0, os.path.join(a.src, "src"))
    sys.path.append(os.path.join(a.harness, "stubs"))
    import transformers.utils.import_utils as iu

    iu._tokenizers_available = False  # the harness's tokenizers stub is a placeholder: use transformers' AddedToken
    import transformers.tokenization_utils_base as tub

    # what the Rust AddedToken has and the fallback dataclass lacks: a hash by content, __setstate__
    tub.AddedToken.__hash__ = lambda self: hash(self.content)
    tub.AddedToken.__setstate__ = lambda self, state: self.__dict__.update(state)
    byte_level(a.src)
    sentencepiece_kinds()


if __name__ == "__main__":
    main()
