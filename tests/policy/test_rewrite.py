"""The `with input as` rewrite applied to policy modules before rego-cpp compiles them."""

from __future__ import annotations

from mlaudit.policy.rewrite import rewrite_with_input


def test_object_literal_becomes_per_key_replacement_from_locals() -> None:
    text = ('\tfound := deny with input as {"nodes": [n(1),\n\t\tn(2)], "edges": []}\n'
            "\tcount(found) == 1\n")
    out = rewrite_with_input(text)
    assert out.count("\n") == text.count("\n")  # every line keeps its number
    first = out.splitlines()[0]
    assert first.startswith("\t__in1_0 := [n(1), n(2)]; __in1_1 := []; found := deny ")
    assert 'with input["nodes"] as __in1_0 with input["edges"] as __in1_1' in first
    assert out.splitlines()[2] == "\tcount(found) == 1"


def test_rule_references_are_hoisted_and_other_text_left_alone() -> None:
    text = ("  r := deny with input.nodes as fixture with input.edges as [1]\n"
            "  x := 1 # with input as {\"a\": 1}\n"
            '  s := "with input as {}"\n'
            "  y := deny with input as some_rule\n")
    out = rewrite_with_input(text).splitlines()
    assert out[0] == ("  __in1_0 := fixture; __in2_0 := [1]; r := deny with input.nodes as "
                      "__in1_0 with input.edges as __in2_0")
    assert out[1:3] == text.splitlines()[1:3]
    assert out[3] == "  __in3_0 := some_rule; y := deny with input as __in3_0"


def test_non_string_keys_are_not_split() -> None:
    out = rewrite_with_input("  count(deny) == 0 with input as {k: 1}\n")
    assert out == "  __in1_0 := {k: 1}; count(deny) == 0 with input as __in1_0\n"
