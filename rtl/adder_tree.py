"""A registered adder tree: a sum of many terms, at most ``arity`` of them added per pipeline stage."""

from amaranth.hdl import Module, Signal, signed

__all__ = ["add_tree", "tree_levels", "check_arity"]


def check_arity(arity) -> None:
    """Refuse a tree arity that is not an integer >= 2."""
    if isinstance(arity, bool) or not isinstance(arity, int) or arity < 2:
        raise ValueError(f"tree_arity must be an integer >= 2, got {arity!r}")


def tree_levels(n_terms: int, arity: int) -> int:
    """Registered levels of a tree over ``n_terms`` terms (0 for one term: it passes through unregistered)."""
    check_arity(arity)
    levels = 0
    while n_terms > 1:
        n_terms = -(-n_terms // arity)
        levels += 1
    return levels


def add_tree(m: Module, terms: list, width: int, arity: int, name: str):
    """The sum of ``terms`` (exact: ``width`` bits signed must hold it) after :func:`tree_levels` register stages;
    each stage adds groups of at most ``arity`` terms. Returns the final signal (a term itself for one term).

    Used inside a parent's ``elaborate`` (``m`` its module): the stages are free-running ``sync`` registers with no
    enable and no reset (they can be absorbed into DSP blocks and retimed)."""
    if not terms:
        raise ValueError("an adder tree needs at least one term")
    check_arity(arity)
    level = 0
    while len(terms) > 1:
        nxt = []
        for g in range(0, len(terms), arity):
            s = Signal(signed(width), name=f"{name}_l{level}_{g // arity}", reset_less=True)
            total = terms[g]
            for t in terms[g + 1 : g + arity]:
                total = total + t
            m.d.sync += s.eq(total)
            nxt.append(s)
        terms, level = nxt, level + 1
    return terms[0]
