"""The live store: every environment, window and trace, kept in memory and journaled to disk.

All methods run on the server's event-loop thread, one at a time, so the store needs no locks.
Each change is validated and applied in memory, then journaled (``journal.py``), then
announced to listeners (the browser sockets); the HTTP answer goes out after that.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from torchscope.heap import keep_transient_blocks_out_of_the_heap
from torchscope.live import envfiles, jsonio
from torchscope.live.downsample import DISPLAY_POINTS
from torchscope.live.errors import NotFound, RequestError
from torchscope.live.journal import Journal
from torchscope.live.model import Env, Window, new_window_id, optional_dict, require_dict
from torchscope.live.names import DEFAULT_ENV, env_id
from torchscope.live.updates import apply_update, not_updatable_message

#: Where torchscope.Visdom.embeddings keeps the original feature vectors (see
#: torchscope/client/visdom_embedding_vectors.py): whole in the store, summarised for browsers.
EMBEDDING_VECTORS_KEY = "torchscope_vectors"

log = logging.getLogger("torchscope.live")

#: Journal size at which the state is compacted into a snapshot.
DEFAULT_COMPACT_BYTES = 64 * 1024 * 1024
JOURNAL_FOLDER = ".torchscope-live"


@dataclasses.dataclass
class Push:
    """Something browsers should hear: for viewers of ``eid``, a ``message`` or the whole
    ``window`` (serialized only if someone listens); or, with ``env_list``, the env list."""

    eid: str | None
    message: dict[str, Any] | None = None
    env_list: bool = False
    window: Window | None = None

    def payload(self) -> dict[str, Any] | None:
        if self.window is not None:
            return LiveStore.display_json(self.window)
        return self.message


@dataclasses.dataclass
class Outcome:
    result: Any
    changed: bool = True
    pushes: list[Push] = dataclasses.field(default_factory=list)


Listener = Callable[[Push], None]


class LiveStore:
    """Environments -> windows -> traces, durable under ``env_path`` (memory only if None)."""

    def __init__(
        self,
        env_path: Path | None,
        compact_bytes: int = DEFAULT_COMPACT_BYTES,
        readonly: bool = False,
    ) -> None:
        self.env_path = env_path
        #: A read-only store loads what is on disk and writes nothing (no lock either), so a
        #: read-only server can share an env path with the server that writes.
        self.readonly = readonly
        self.envs: dict[str, Env] = {DEFAULT_ENV: Env()}
        self.layouts = "{}"
        self.file_signatures: dict[str, envfiles.Signature] = {}
        self.compact_bytes = compact_bytes
        self._journal = Journal(env_path / JOURNAL_FOLDER) if env_path is not None else None
        self._listeners: list[Listener] = []
        self._replaying = False
        self._ops: dict[str, Callable[[dict[str, Any], dict[str, Any]], Outcome]] = {
            "events": self._op_events,
            "update": self._op_update,
            "close": self._op_close,
            "win_data_set": self._op_win_data_set,
            "env_create": self._op_env_create,
            "delete_env": self._op_delete_env,
            "fork_env": self._op_fork_env,
            "reload_item": self._op_reload_item,
            "save_layouts": self._op_save_layouts,
            "pop_embeddings": self._op_pop_embeddings,
            "file_signature": self._op_file_signature,
        }

    # --- life cycle ----------------------------------------------------------------------

    def open(self) -> None:
        """Load the snapshot, replay the journal, then import Visdom env files that are new."""
        keep_transient_blocks_out_of_the_heap()
        if self._journal is None or self.env_path is None:
            return
        snapshot, records = self._journal.open(lock=not self.readonly)
        if snapshot is not None:
            try:
                self._load_state(snapshot)
            except (KeyError, TypeError, ValueError, AttributeError, RequestError) as exc:
                # Valid JSON with a broken inside: start from the journal and env files.
                self.envs = {DEFAULT_ENV: Env()}
                self.layouts = "{}"
                self.file_signatures = {}
                self._journal.discard_snapshot(f"unreadable state: {exc!r}")
        self._replaying = True
        try:
            replayed = 0
            for header, body in records:
                self._replay(header, body)
                replayed += 1
        finally:
            self._replaying = False
        self._import_layouts_file()
        if self.readonly:
            self._journal = None  # nothing will be written
            self._import_env_files()
        else:
            self._journal.start_writing()
            if self._import_env_files() or replayed > 10_000:
                self.compact()
        self.envs.setdefault(DEFAULT_ENV, Env())

    def close(self) -> None:
        if self._journal is not None:
            self._journal.close()

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _replay(self, header: dict[str, Any], body: bytes) -> None:
        op = header.get("op")
        handler = self._ops.get(op) if isinstance(op, str) else None
        if handler is None:
            log.warning("journal: skipping unknown record %r", op)
            return
        try:
            msg = jsonio.loads(body)
            handler(msg if isinstance(msg, dict) else {}, header)
        except (RequestError, jsonio.BadJSON) as exc:  # never acknowledged as applied
            log.warning("journal: skipping a %s record: %s", op, exc)

    def _import_env_files(self) -> bool:
        assert self.env_path is not None
        imported = False
        for eid, path in envfiles.env_files(self.env_path).items():
            try:
                sig = envfiles.signature(path)
            except OSError:
                continue
            if eid in self.envs and self.file_signatures.get(eid) == sig:
                continue  # our own save, or already imported
            if eid in self.envs and self.envs[eid].windows and eid not in self.file_signatures:
                continue  # live data that was never saved wins over a stray file
            try:
                self.envs[eid] = envfiles.read_env(path)
            except OSError as exc:
                log.warning("cannot import env file %s: %s", path, exc)
                continue
            except (RequestError, jsonio.BadJSON, KeyError, TypeError, ValueError) as exc:
                # A damaged file is moved aside (never deleted) so every later start is clean;
                # a read-only server leaves the folder as it is.
                if self.readonly:
                    log.warning("cannot import env file %s: %s", path, exc)
                else:
                    with contextlib.suppress(OSError):
                        envfiles.set_aside(path, exc)
                continue
            self.file_signatures[eid] = sig
            imported = True
        return imported

    def _import_layouts_file(self) -> None:
        """Read ``view/layouts.json`` (Visdom's saved layouts) when the state has none."""
        assert self.env_path is not None
        path = self.env_path / "view" / "layouts.json"
        if self.layouts != "{}" or not path.is_file():
            return
        try:
            text = path.read_text(encoding="utf-8")
            if not isinstance(jsonio.loads(text), dict):
                raise jsonio.BadJSON("layouts must be a JSON object")
        except OSError as exc:
            log.warning("cannot read %s: %s", path, exc)
            return
        except (jsonio.BadJSON, UnicodeDecodeError) as exc:
            if self.readonly:
                log.warning("cannot read %s: %s", path, exc)
            else:
                with contextlib.suppress(OSError):
                    envfiles.set_aside(path, exc)
            return
        self.layouts = text

    # --- executing changes ---------------------------------------------------------------

    def execute(self, op: str, msg: Any, body: bytes | None = None, **meta: Any) -> Any:
        """Validate and apply one change, journal it, notify listeners; returns the answer.

        Raises RequestError (nothing changed) for requests that cannot be applied.
        """
        if self.readonly:
            raise RequestError("this server is read-only", status=403)
        msg = require_dict(msg, "request body")
        outcome = self._ops[op](msg, meta)
        if outcome.changed and self._journal is not None:
            self._journal.append(op, body if body is not None else jsonio.dumps(msg), **meta)
            if self._journal.size > self.compact_bytes:
                self.compact()
        for push in outcome.pushes:
            for listener in self._listeners:
                listener(push)
        return outcome.result

    def compact(self) -> None:
        """Write a snapshot of everything and start an empty journal."""
        if self._journal is not None:
            self._journal.write_snapshot(self._state())

    def _state(self) -> dict[str, Any]:
        return {
            "envs": {eid: env.to_state() for eid, env in self.envs.items()},
            "layouts": self.layouts,
            "file_signatures": self.file_signatures,
        }

    def _load_state(self, state: dict[str, Any]) -> None:
        self.envs = {eid: Env.from_state(env) for eid, env in state["envs"].items()}
        self.layouts = state.get("layouts", "{}")
        self.file_signatures = dict(state.get("file_signatures", {}))

    def _env(self, msg: dict[str, Any], key: str = "eid") -> tuple[str, Env]:
        eid = self._eid(msg.get(key))
        env = self.envs.get(eid)
        if env is None:
            raise NotFound(f"env {eid!r} does not exist")
        return eid, env

    @staticmethod
    def _eid(value: Any) -> str:
        try:
            return env_id(value)
        except ValueError as exc:
            raise RequestError(str(exc)) from None

    def _ensure_env(self, eid: str, pushes: list[Push]) -> Env:
        env = self.envs.get(eid)
        if env is None:
            env = self.envs[eid] = Env()
            pushes.append(Push(None, env_list=True))
        return env

    @staticmethod
    def _win_id(msg: dict[str, Any], meta: dict[str, Any]) -> str:
        win = meta.get("win", msg.get("win"))
        if win is None:
            raise RequestError("win is required")
        if not isinstance(win, (str, int)) or isinstance(win, bool):
            raise RequestError(f"win must be a string, got {type(win).__name__}")
        return str(win)

    # --- operations (each validates before it changes anything) --------------------------

    def _op_events(self, msg: dict[str, Any], meta: dict[str, Any]) -> Outcome:
        if msg.get("func") is not None:
            raise RequestError("Lua Torch requests ('func') are not supported")
        eid = self._eid(msg.get("eid"))
        win_id = self._win_id(msg, meta)
        window = Window.from_request(win_id, msg)
        pushes: list[Push] = []
        env = self._ensure_env(eid, pushes)
        env.put(window)
        pushes.append(Push(eid, window=window))
        return Outcome(win_id, pushes=pushes)

    def _op_update(self, msg: dict[str, Any], meta: dict[str, Any]) -> Outcome:
        eid = self._eid(msg.get("eid"))
        win_id = self._win_id(msg, meta)
        env = self.envs.get(eid)
        window = env.windows.get(win_id) if env is not None else None
        if window is None:
            # Visdom: an append to a missing window creates it (and 500s on an unknown env;
            # torchscope creates the env too). The torchscope client sends the layout a
            # create needs as `layout_on_create`, so one request does both.
            if not msg.get("append"):
                return Outcome("win does not exist", changed=False)
            if "layout_on_create" in msg:
                msg = {**msg, "layout": msg["layout_on_create"]}
            return self._op_events(msg, meta)
        refusal = not_updatable_message(window)
        if refusal is not None:
            return Outcome(refusal, changed=False)
        change = apply_update(window, msg)
        if change.patch is None:
            return Outcome(win_id, pushes=[Push(eid, window=window)])
        message = {
            "command": "window_update",
            "win": win_id,
            "env": eid,
            "content": change.patch,
            "version": window.version,
        }
        return Outcome(win_id, pushes=[Push(eid, message)])

    def _op_close(self, msg: dict[str, Any], meta: dict[str, Any]) -> Outcome:
        eid, env = self._env(msg)
        win = msg.get("win")
        if win is None:
            closed = list(env.windows)
        else:
            if str(win) not in env.windows:
                raise NotFound(f"window {win!r} does not exist in env {eid!r}")
            closed = [str(win)]
        pushes = []
        for wid in closed:
            del env.windows[wid]
            env.reload.pop(wid, None)
            pushes.append(Push(eid, {"command": "close", "data": wid}))
        return Outcome("", changed=bool(closed), pushes=pushes)

    def _op_win_data_set(self, msg: dict[str, Any], meta: dict[str, Any]) -> Outcome:
        eid = self._eid(msg.get("eid"))
        data = msg.get("data")
        if isinstance(data, str):
            data = jsonio.loads(data)
        win = msg.get("win")
        pushes: list[Push] = []
        if win is None:
            docs = require_dict(data, "data")
            windows = [Window.from_json(doc, wid) for wid, doc in docs.items()]
            env = self._ensure_env(eid, pushes)
            env.windows = {}
            for window in windows:
                env.adopt(window)
        else:
            window = Window.from_json(data, str(win))
            env = self._ensure_env(eid, pushes)
            if window.index <= 0 and window.id in env.windows:
                window.index = env.windows[window.id].index
            env.adopt(window)
        # Visdom only announces the env list; browsers see new content on their next load.
        pushes.append(Push(None, env_list=True))
        return Outcome("", pushes=pushes)

    def _op_env_create(self, msg: dict[str, Any], meta: dict[str, Any]) -> Outcome:
        eid = self._eid(msg.get("eid"))
        if eid in self.envs:
            return Outcome("", changed=False)
        pushes: list[Push] = []
        self._ensure_env(eid, pushes)
        return Outcome("", pushes=pushes)

    def _op_delete_env(self, msg: dict[str, Any], meta: dict[str, Any]) -> Outcome:
        eid = self._eid(msg.get("eid"))
        if eid not in self.envs:
            raise NotFound(f"env {eid!r} does not exist")
        del self.envs[eid]
        signature = self.file_signatures.pop(eid, None)
        if self.env_path is not None and not self._replaying:
            imported = str(signature[0]) if signature else None
            envfiles.delete_env_file(self.env_path, eid, imported)
        self.envs.setdefault(DEFAULT_ENV, Env())  # `main` always exists
        return Outcome("", pushes=[Push(None, env_list=True)])

    def _op_fork_env(self, msg: dict[str, Any], meta: dict[str, Any]) -> Outcome:
        _, prev = self._env(msg, "prev_eid")
        eid = self._eid(msg.get("eid"))
        fork = prev.copy()
        if "reload" in msg:
            fork.reload = dict(optional_dict(msg["reload"], "reload"))
        pushes: list[Push] = []
        if eid not in self.envs:
            pushes.append(Push(None, env_list=True))
        self.envs[eid] = fork
        if self.env_path is not None and not self._replaying:
            self._write_file(eid)
        return Outcome(eid, pushes=pushes)

    def _op_reload_item(self, msg: dict[str, Any], meta: dict[str, Any]) -> Outcome:
        _, env = self._env(msg)
        win = msg.get("win")
        if not isinstance(win, str):
            raise RequestError("win must be a string")
        env.reload[win] = msg.get("data")
        return Outcome("")

    def _op_save_layouts(self, msg: dict[str, Any], meta: dict[str, Any]) -> Outcome:
        data = msg.get("data")
        if not isinstance(data, str):
            raise RequestError("data must be a JSON string of layouts")
        jsonio.loads(data)  # must parse
        self.layouts = data
        if self.env_path is not None and not self._replaying:
            view = self.env_path / "view"
            view.mkdir(exist_ok=True)
            (view / "layouts.json").write_text(data, encoding="utf-8")
        return Outcome("", pushes=[Push(None, {"command": "layout_update", "data": data})])

    def _op_pop_embeddings(self, msg: dict[str, Any], meta: dict[str, Any]) -> Outcome:
        eid, env = self._env(msg)
        window = env.windows.get(str(msg.get("target")))
        if window is None or window.kind != "embeddings":
            raise NotFound("target is not an embeddings window")
        old = window.meta.get("old_content") or []
        if not old:
            return Outcome("", changed=False)
        window.content["data"] = old.pop()
        window.content["has_previous"] = bool(old)
        window.content["selected"] = None
        window.touch()
        return Outcome("", pushes=[Push(eid, window=window)])

    def _op_file_signature(self, msg: dict[str, Any], meta: dict[str, Any]) -> Outcome:
        self.file_signatures[str(msg["eid"])] = list(msg["signature"])
        return Outcome("")

    # --- files ---------------------------------------------------------------------------

    def _write_file(self, eid: str) -> None:
        assert self.env_path is not None
        path = envfiles.write_env(self.env_path, eid, self.envs[eid])
        signature = envfiles.signature(path)
        self.file_signatures[eid] = signature
        if self._journal is not None:
            self._journal.append(
                "file_signature", jsonio.dumps({"eid": eid, "signature": signature})
            )

    def save(self, eids: Any) -> list[str]:
        """Write the listed envs that exist to ``<env_path>/<eid>.json``; the ids written."""
        if self.readonly:
            raise RequestError("this server is read-only", status=403)
        if not isinstance(eids, list):
            raise RequestError("data must be a list of env ids")
        written = []
        for value in eids:
            eid = self._eid(value)
            if eid in self.envs:
                if self.env_path is not None:
                    self._write_file(eid)
                written.append(eid)
        return written

    # --- reading -------------------------------------------------------------------------

    def env_ids(self) -> list[str]:
        return sorted(self.envs)

    def window(self, eid: str, win: str) -> Window | None:
        env = self.envs.get(eid)
        return env.windows.get(win) if env is not None else None

    def has_windows(self) -> bool:
        return any(env.windows for env in self.envs.values())

    def win_exists(self, msg: Any) -> bool:
        msg = require_dict(msg, "request body")
        win = msg.get("win")
        return win is not None and self.window(self._eid(msg.get("eid")), str(win)) is not None

    def win_data(self, msg: Any) -> dict[str, Any]:
        msg = require_dict(msg, "request body")
        eid, env = self._env(msg)
        win = msg.get("win")
        if win is None:
            return {wid: w.to_json() for wid, w in env.windows.items()}
        window = env.windows.get(str(win))
        if window is None:
            raise NotFound(f"window {win!r} does not exist in env {eid!r}")
        return window.to_json()

    def win_hash(self, msg: Any) -> str | None:
        """md5 of the window's canonical JSON (Visdom 0.2.4's ``/win_hash``)."""
        msg = require_dict(msg, "request body")
        win = msg.get("win")
        window = self.window(self._eid(msg.get("eid")), str(win)) if win is not None else None
        if window is None:
            return None
        canonical = json.dumps(
            _integral_floats_as_ints(json.loads(jsonio.dumps(window.to_json()))),
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.md5(canonical.encode("utf-8")).hexdigest()

    @staticmethod
    def display_json(window: Window) -> dict[str, Any]:
        """A window as pushed to browsers: long traces thinned, data kept whole here.

        The feature vectors torchscope.Visdom.embeddings stores for the Projector (megabytes)
        are replaced by their shape: the Live view only needs to know they are there.
        """
        shown = window.to_json(max_points=DISPLAY_POINTS)
        content = shown.get("content")
        if shown.get("type") == "embeddings" and isinstance(content, dict):
            vectors = content.get(EMBEDDING_VECTORS_KEY)
            if isinstance(vectors, dict):
                summary = {"shape": vectors.get("shape")}
                shown = {**shown, "content": {**content, EMBEDDING_VECTORS_KEY: summary}}
        return shown

    def env_messages(self, eid: str) -> list[dict[str, Any]]:
        """What a browser gets when it opens ``eid``: reload, windows by ``i``, then layout."""
        env = self.envs.get(eid)
        messages: list[dict[str, Any]] = []
        if env is None:
            return [{"command": "layout"}]
        if env.reload:
            messages.append({"command": "reload", "data": env.reload})
        for window in sorted(env.windows.values(), key=lambda w: w.index):
            messages.append(self.display_json(window))
        messages.append({"command": "layout"})
        return messages

    def memory_bytes(self) -> int:
        """Bytes held by trace columns (the part that grows with points)."""
        return sum(w.nbytes() for env in self.envs.values() for w in env.windows.values())


def _integral_floats_as_ints(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integral_floats_as_ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral_floats_as_ints(v) for v in value]
    return value


def make_window_id() -> str:
    """A fresh window id for requests that name none (Visdom: ``window_`` + uuid)."""
    return new_window_id()
