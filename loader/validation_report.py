"""Validation findings and their renderings: text, JSON, JUnit XML, Turtle (sh:ValidationReport)."""

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from xml.sax.saxutils import escape, quoteattr

import rdflib
from rdflib.namespace import SH

SEVERITIES = ("Violation", "Warning", "Info")


@dataclass
class Finding:
    """One validation result."""

    severity: str
    focus: str
    path: str | None
    value: str | None
    message: str
    shape: str
    label: str | None = field(default=None)


@dataclass
class Report:
    """All findings of one validation run."""

    findings: list[Finding]
    triples: int
    seconds: float

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
            body = "\n".join(f"{f.severity} {f.focus}: {f.message}" for f in items)
            inner = (
                (f"<failure message={quoteattr(f'{len(bad)} violation(s)')}>{escape(body)}</failure>")
                if bad
                else f"<system-out>{escape(body)}</system-out>"
            )
            cases.append(f'  <testcase classname="tehkg.shapes" name={quoteattr(shape)}>{inner}</testcase>')
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
        """The findings as a SHACL validation report graph."""
        g = rdflib.Graph()
        g.bind("sh", SH)
        report = rdflib.BNode()
        g.add((report, rdflib.RDF.type, SH.ValidationReport))
        g.add((report, SH.conforms, rdflib.Literal(self.conforms)))
        for f in self.findings:
            r = rdflib.BNode()
            g.add((report, SH.result, r))
            g.add((r, rdflib.RDF.type, SH.ValidationResult))
            g.add((r, SH.focusNode, rdflib.URIRef(f.focus)))
            g.add((r, SH.resultSeverity, SH[f.severity]))
            g.add((r, SH.resultMessage, rdflib.Literal(f.message, lang="en")))
            if f.path:
                g.add((r, SH.resultPath, rdflib.URIRef(f.path)))
            if f.value is not None:
                g.add((r, SH.value, rdflib.Literal(f.value)))
        return g.serialize(format="turtle")
