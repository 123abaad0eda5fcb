"""The SHACL validation report graph and its renderings: text, JSON, JUnit XML derived from it, Turtle whole."""

import json
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from xml.sax.saxutils import escape, quoteattr

import rdflib
from rdflib.namespace import SH

SEVERITIES = ("Violation", "Warning", "Info")
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")  # outside XML 1.0's Char


def xml_chars(text: str) -> str:
    """``text`` with the characters XML 1.0 cannot hold, even escaped (``\\x01``, ``\\x0b``: a literal may hold
    them), written as Python escapes: the JUnit report stays well-formed whatever the data."""
    return NOT_XML.sub(lambda found: found.group().encode("unicode_escape").decode(), text)


def _text(term: rdflib.term.Node | None) -> str | None:
    """An IRI or literal as its string, a blank node as ``_:id``, nothing as None."""
    if term is None:
        return None
    return f"_:{term}" if isinstance(term, rdflib.BNode) else str(term)


def _shape_name(shapes: rdflib.Graph, shape: rdflib.term.Node | None) -> str:
    """The sh:name of a shape, or of the node shape that holds a property shape, else the shape itself."""
    if shape is None:  # a result without sh:sourceShape
        return ""
    name = shapes.value(shape, SH.name)
    if name is None:
        parent = shapes.value(None, SH.property, shape)
        name = shapes.value(parent, SH.name) if parent is not None else None
    return str(name) if name is not None else str(_text(shape))


def report_node(graph: rdflib.Graph) -> rdflib.term.Node:
    """The sh:ValidationReport node of a report graph."""
    node = graph.value(None, rdflib.RDF.type, SH.ValidationReport)
    if node is None:
        raise ValueError("the SHACL engine produced no sh:ValidationReport")
    return node


@dataclass
class Finding:
    """One sh:ValidationResult of the report graph, as strings for the text, JSON and JUnit renderings."""

    severity: str
    focus: str
    path: str | None
    value: str | None
    message: str
    shape: str
    label: str | None = field(default=None)


@dataclass
class Report:
    """One validation run: the SHACL report graph (``graph``) and the findings derived from it."""

    graph: rdflib.Graph
    findings: list[Finding]
    triples: int
    seconds: float
    peak_mib: float | None = None

    @classmethod
    def from_graph(
        cls,
        graph: rdflib.Graph,
        shapes: rdflib.Graph,
        labels: dict[str, str],
        triples: int,
        seconds: float,
        peak_mib: float | None = None,
    ) -> "Report":
        """The report of ``graph``; sets its sh:conforms to whether any result is a violation."""
        findings = []
        for result in graph.subjects(rdflib.RDF.type, SH.ValidationResult):
            focus = _text(graph.value(result, SH.focusNode)) or ""
            findings.append(
                Finding(
                    severity=str(graph.value(result, SH.resultSeverity)).rsplit("#", 1)[-1],
                    focus=focus,
                    path=_text(graph.value(result, SH.resultPath)),
                    value=_text(graph.value(result, SH.value)),
                    message=str(graph.value(result, SH.resultMessage) or ""),
                    shape=_shape_name(shapes, graph.value(result, SH.sourceShape)),
                    label=labels.get(focus),
                )
            )
        report = cls(graph, findings, triples, seconds, peak_mib)
        node = report_node(graph)
        graph.set((node, SH.conforms, rdflib.Literal(report.conforms)))
        return report

    @property
    def conforms(self) -> bool:
        return not self.count("Violation")

    def count(self, severity: str) -> int:
        return sum(f.severity == severity for f in self.findings)

    def summary(self) -> str:
        verdict = "conforms" if self.conforms else "does NOT conform"
        return (
            f"{verdict}: {self.count('Violation')} violation(s), "
            f"{self.count('Warning')} warning(s), {self.count('Info')} info "
            f"on {self.triples} triples in {self.seconds:.2f} s"
            + ("" if self.peak_mib is None else f", peak memory {self.peak_mib:.0f} MiB")
        )

    def text(self) -> str:
        """Findings grouped by severity then focus node, with labels, and a summary line."""
        lines: list[str] = []
        for severity in SEVERITIES:
            by_focus: dict[str, list[Finding]] = defaultdict(list)
            for f in self.findings:
                if f.severity == severity:
                    by_focus[f.focus].append(f)
            for focus in sorted(by_focus):
                first = by_focus[focus][0]
                label = f" ({first.label})" if first.label else ""
                lines.append(f"{severity.upper()} {focus}{label}")
                for f in by_focus[focus]:
                    where = f" path {f.path}" if f.path else ""
                    value = f" value {f.value}" if f.value is not None else ""
                    lines.append(f"  - [{f.shape}]{where}{value}: {f.message}")
        lines.append(self.summary())
        return "\n".join(lines)

    def json(self) -> str:
        return json.dumps(
            {
                "conforms": self.conforms,
                "violations": self.count("Violation"),
                "warnings": self.count("Warning"),
                "triples": self.triples,
                "seconds": round(self.seconds, 3),
                "findings": [asdict(f) for f in self.findings],
            },
            indent=1,
            ensure_ascii=False,
        )

    def junit(self) -> str:
        """One test case per shape; violations are failures, warnings go to system-out."""
        by_shape: dict[str, list[Finding]] = defaultdict(list)
        for f in self.findings:
            by_shape[f.shape].append(f)
        cases = []
        for shape in sorted(by_shape):
            items = by_shape[shape]
            bad = [f for f in items if f.severity == "Violation"]
            body = escape(xml_chars("\n".join(f"{f.severity} {f.focus}: {f.message}" for f in items)))
            inner = (
                (f"<failure message={quoteattr(f'{len(bad)} violation(s)')}>{body}</failure>")
                if bad
                else f"<system-out>{body}</system-out>"
            )
            name = quoteattr(xml_chars(shape))
            cases.append(f'  <testcase classname="tehkg.shapes" name={name}>{inner}</testcase>')
        cases.append(
            '  <testcase classname="tehkg.shapes" name="conformance"/>'
            if self.conforms
            else '  <testcase classname="tehkg.shapes" name="conformance">'
            f"<failure message={quoteattr(self.summary())}/></testcase>"
        )
        failures = sum(1 for s in by_shape.values() if any(f.severity == "Violation" for f in s))
        failures += 0 if self.conforms else 1
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<testsuite name="tehkg validate" tests="{len(cases)}" failures="{failures}" '
            f'time="{self.seconds:.3f}">\n' + "\n".join(cases) + "\n</testsuite>\n"
        )

    def turtle(self) -> str:
        """The SHACL validation report graph, whole."""
        self.graph.bind("sh", SH)
        return self.graph.serialize(format="turtle")
