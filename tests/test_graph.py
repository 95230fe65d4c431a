"""The module graph and the HMR decision, without a server (``shaker.graph`` is pure)."""

from __future__ import annotations

import pytest

from shaker.dev.graph import ModuleFacts, ModuleGraph, decide, decide_invalidate

T = 1_700_000_000_000


def build(**modules: dict) -> ModuleGraph:
    """``build(main={"imports": [...], "self_accepting": True, ...}, ...)``: every key is a
    module ``/<key>.js`` (``__`` for ``/``) recorded as loaded by the page."""
    graph = ModuleGraph()
    for name, facts in modules.items():
        url = f"/{name.replace('__', '/')}.js"
        graph.record(
            url,
            ModuleFacts(
                imports=tuple(f"/{d}.js" for d in facts.get("imports", ())),
                accepted_deps=tuple(f"/{d}.js" for d in facts.get("accepts", ())),
                self_accepting=facts.get("self_accepting", False),
                declines=facts.get("declines", False),
            ),
            file=f"/root{url}",
        )
    return graph


def updates(graph: ModuleGraph, *changed: str, **kwargs) -> list[tuple[str, str]]:
    decision = decide(graph, [f"/{c}.js" for c in changed], T, **kwargs)
    assert decision.reload_reason is None, decision.reload_reason
    return [(u.path, u.accepted_path) for u in decision.updates]


def reason(graph: ModuleGraph, *changed: str, **kwargs) -> str:
    decision = decide(graph, [f"/{c}.js" for c in changed], T, **kwargs)
    assert decision.reload_reason is not None and not decision.updates
    return decision.reload_reason


# -- boundaries ---------------------------------------------------------------------------------


def test_self_accepting_module_is_its_own_boundary() -> None:
    graph = build(main={"imports": ["a"]}, a={"self_accepting": True})
    decision = decide(graph, ["/a.js"], T)
    [update] = decision.updates
    assert (update.type, update.path, update.accepted_path, update.timestamp) == (
        "js-update",
        "/a.js",
        "/a.js",
        T,
    )
    assert update.explicit_import_required is False
    assert update.is_within_circular_import is False
    assert update.first_invalidated_by is None


def test_importer_accepting_the_dep_is_the_boundary() -> None:
    graph = build(main={"imports": ["a"]}, a={"imports": ["dep"], "accepts": ["dep"]}, dep={})
    assert updates(graph, "dep") == [("/a.js", "/dep.js")]


def test_update_bubbles_through_modules_that_do_not_accept() -> None:
    graph = build(
        main={"imports": ["hmr"]},
        hmr={"imports": ["dep"], "accepts": ["dep"], "self_accepting": True},
        dep={"imports": ["nested"]},
        nested={},
    )
    assert updates(graph, "nested") == [("/hmr.js", "/dep.js")]
    assert updates(graph, "hmr") == [("/hmr.js", "/hmr.js")]


def test_every_path_needs_a_boundary() -> None:
    graph = build(
        main={"imports": ["a", "b"]},
        a={"imports": ["shared"], "self_accepting": True},
        b={"imports": ["shared"], "self_accepting": True},
        shared={},
    )
    assert updates(graph, "shared") == [("/a.js", "/a.js"), ("/b.js", "/b.js")]
    graph = build(
        main={"imports": ["a", "b"]},
        a={"imports": ["shared"], "self_accepting": True},
        b={"imports": ["shared"]},
        shared={},
    )
    assert reason(graph, "shared") == (
        "/shared.js has no accepting importer: /shared.js → /b.js → /main.js (entry)"
    )


def test_the_reason_names_the_path_to_the_entry() -> None:
    graph = build(main={"imports": ["a"]}, a={"imports": ["b"]}, b={})
    assert reason(graph, "b") == "/b.js has no accepting importer: /b.js → /a.js → /main.js (entry)"
    assert reason(graph, "main") == "/main.js has no accepting importer: /main.js (entry)"


def test_boundaries_are_deduplicated_across_changed_modules() -> None:
    graph = build(
        main={"imports": ["a"]}, a={"imports": ["x", "y"], "self_accepting": True}, x={}, y={}
    )
    assert updates(graph, "x", "y") == [("/a.js", "/a.js")]


def test_css_and_json_modules_are_reimported_with_import_query() -> None:
    graph = ModuleGraph()
    graph.record("/main.js", ModuleFacts(imports=("/a.css", "/d.json", "/@id/virtual:x")))
    graph.record("/a.css", ModuleFacts(self_accepting=True))
    graph.record("/d.json", ModuleFacts())
    graph.record("/@id/virtual:x", ModuleFacts(self_accepting=True))
    [css] = decide(graph, ["/a.css"], T).updates
    assert css.explicit_import_required is True
    [virtual] = decide(graph, ["/@id/virtual:x"], T).updates
    assert virtual.explicit_import_required is False
    assert "/d.json has no accepting importer" in decide(graph, ["/d.json"], T).reload_reason


def test_linked_stylesheets_get_a_css_update() -> None:
    graph = ModuleGraph()
    graph.record_stylesheet("/global.css", "/root/global.css")
    decision = decide(graph, ["/global.css"], T)
    assert [(u.type, u.path, u.accepted_path) for u in decision.updates] == [
        ("css-update", "/global.css", "/global.css")
    ]
    graph.record("/main.js", ModuleFacts(imports=("/global.css",)))
    graph.record("/global.css", ModuleFacts(self_accepting=True))  # also imported from JS
    assert [u.type for u in decide(graph, ["/global.css"], T).updates] == [
        "css-update",
        "js-update",
    ]


# -- what stops an update -------------------------------------------------------------------------


def test_a_module_never_loaded_changes_nothing() -> None:
    graph = build(index={"imports": ["dep"]})  # dep is only import()ed and never ran (#7561)
    decision = decide(graph, ["/dep.js"], T)
    assert decision.updates == () and decision.reload_reason is None
    assert decision.notes == ("/dep.js was never loaded by the page",)
    assert decide(graph, ["/nowhere.js"], T).notes == (
        "/nowhere.js is not in the module graph (never served)",
    )


def test_decline_reloads() -> None:
    graph = build(main={"imports": ["a"]}, a={"imports": ["b"], "declines": True}, b={})
    assert reason(graph, "b") == (
        "/a.js declines hot updates (import.meta.hot.decline()): /b.js → /a.js"
    )


def test_a_module_that_failed_to_load_reloads() -> None:
    graph = build(main={"imports": ["a"]}, a={"self_accepting": True})
    graph.record_failure("/a.js", "/root/a.js")
    assert reason(graph, "a").startswith("/a.js failed to load in the page")
    graph.record("/a.js", ModuleFacts(self_accepting=True))
    assert updates(graph, "a") == [("/a.js", "/a.js")]


def test_pruned_modules_change_nothing() -> None:
    graph = build(main={"imports": ["a"], "self_accepting": True}, a={"self_accepting": True})
    assert graph.record("/main.js", ModuleFacts(self_accepting=True)) == ["/a.js"]
    decision = decide(graph, ["/a.js"], T)
    assert decision.updates == () and decision.notes == ("/a.js is no longer imported by the page",)


# -- circular imports ---------------------------------------------------------------------------


def test_self_accepting_module_in_an_import_loop_is_flagged() -> None:
    graph = build(
        index={"imports": ["a"]},
        a={"imports": ["b"]},
        b={"imports": ["c"]},
        c={"imports": ["b"], "self_accepting": True},
    )
    decision = decide(graph, ["/c.js"], T)
    [update] = decision.updates
    assert update.is_within_circular_import is True
    assert decision.circular == (("/c.js", "/b.js", "/c.js"),)  # c imports b imports c


def test_loop_without_a_boundary_inside_updates_the_accepting_entry() -> None:
    graph = build(
        index={"imports": ["mod-a"], "self_accepting": True},
        **{
            "mod-a": {"imports": ["mod-b"]},
            "mod-b": {"imports": ["mod-c"]},
            "mod-c": {"imports": ["mod-a"]},
        },
    )
    decision = decide(graph, ["/mod-b.js"], T)
    assert [(u.path, u.is_within_circular_import) for u in decision.updates] == [
        ("/index.js", False)
    ]


def test_invalidate_that_comes_back_reloads_instead_of_looping() -> None:
    graph = build(
        index={"imports": ["parent"]},
        parent={"imports": ["child"], "self_accepting": True},
        child={"imports": ["parent"], "self_accepting": True},
    )
    graph.invalidate(["/child.js"], T)
    decision = decide_invalidate(graph, "/child.js")
    assert [(u.path, u.first_invalidated_by) for u in decision.updates] == [
        ("/parent.js", "/child.js")
    ]
    assert decision.updates[0].timestamp == T  # the timestamp of the update that invalidated
    # parent's accept callback invalidates in turn, still on behalf of child:
    looped = decide_invalidate(graph, "/parent.js", first_invalidated_by="/child.js")
    assert looped.reload_reason == (
        "circular import invalidate: /child.js called invalidate() and the update of its "
        "importers came back to it through /child.js"
    )


def test_invalidate_of_an_entry_reloads() -> None:
    graph = build(root={"self_accepting": True})
    assert decide_invalidate(graph, "/root.js").reload_reason == (
        "/root.js called invalidate() and nothing imports it (/root.js (entry)): "
        "only a reload runs it again"
    )


# -- bookkeeping ----------------------------------------------------------------------------------


def test_invalidate_stamps_importers_up_to_dep_acceptors() -> None:
    graph = build(
        main={"imports": ["a"]}, a={"imports": ["b"], "accepts": ["b"]}, b={"imports": ["c"]}, c={}
    )
    assert graph.invalidate(["/c.js"], T) == {"/c.js", "/b.js"}
    assert [graph.timestamp(u) for u in ("/main.js", "/a.js", "/b.js", "/c.js")] == [0, 0, T, T]
    assert graph.timestamp("/unknown.js") == 0


def test_take_invalidation_once_per_update() -> None:
    graph = build(main={"imports": ["a"]}, a={"self_accepting": True}, b={})
    assert not graph.take_invalidation("/a.js")  # never hot-updated
    graph.invalidate(["/a.js"], T)
    assert graph.take_invalidation("/a.js")
    assert not graph.take_invalidation("/a.js")  # another tab's copy of the same message
    graph.invalidate(["/a.js"], T + 1)
    assert graph.take_invalidation("/a.js")
    graph.invalidate(["/b.js"], T)
    assert not graph.take_invalidation("/b.js")  # not self-accepting


def test_prune_is_transitive_and_spares_what_is_still_imported() -> None:
    graph = build(
        main={"imports": ["a", "shared"]},
        a={"imports": ["b", "shared"]},
        b={"imports": ["c"]},
        c={},
        shared={},
        lazy={},
    )
    graph.record("/a.js", ModuleFacts(imports=("/b.js", "/shared.js", "/never.js")))
    assert graph.get("/never.js").importers == {"/a.js"}
    assert graph.record("/main.js", ModuleFacts(imports=("/shared.js",))) == [
        "/a.js",
        "/b.js",
        "/c.js",
    ]
    assert graph.get("/never.js").importers == set()  # not loaded: nothing to prune
    assert not graph.get("/never.js").pruned
    assert graph.get("/shared.js").importers == {"/main.js"}
    graph.mark_pruned(["/a.js"], T)
    assert graph.timestamp("/a.js") == T
    graph.record("/main.js", ModuleFacts(imports=("/a.js",)))
    assert graph.get("/a.js").pruned  # until the page fetches it again
    graph.record("/a.js", ModuleFacts())
    assert not graph.get("/a.js").pruned


def test_files_and_missing_imports() -> None:
    graph = ModuleGraph()
    graph.record("/a.js", ModuleFacts(imports=("/b.js",)), file="/root/a.js")
    graph.record_failure("/m.js", "/root/m.js", missing=["/root/later.js"])
    graph.set_missing("/n.js", ["/root/later.js"])
    assert [n.url for n in graph.by_file("/root/a.js")] == ["/a.js"]
    assert [n.url for n in graph.missing_importers("/root/later.js")] == ["/m.js", "/n.js"]
    graph.record("/m.js", ModuleFacts(imports=("/later.js",)))
    graph.set_missing("/n.js", ())
    assert graph.missing_importers("/root/later.js") == []
    assert len(graph) == 5 and "/b.js" in graph and {n.url for n in graph} >= {"/a.js", "/b.js"}


@pytest.mark.parametrize("first", ["/parent.js", None])
def test_decisions_do_not_change_the_graph(first: str | None) -> None:
    graph = build(
        index={"imports": ["parent"]},
        parent={"imports": ["child"], "self_accepting": True},
        child={"imports": ["parent"], "self_accepting": True},
    )
    before = {n.url: (set(n.imports), set(n.importers), n.last_hmr_timestamp) for n in graph}
    decide(graph, ["/child.js", "/parent.js"], T, first_invalidated_by=first)
    decide_invalidate(graph, "/child.js")
    after = {n.url: (set(n.imports), set(n.importers), n.last_hmr_timestamp) for n in graph}
    assert before == after
