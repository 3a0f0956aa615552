package report

import (
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"strings"
)

// document is a report as a list of blocks, rendered once to Markdown and
// once to self-contained HTML so the two never disagree.
type document struct {
	title  string
	blocks []block
}

type block interface{ isBlock() }

type heading struct {
	level int
	text  string
	id    string
}
type para struct{ text string }
type bullets struct{ items []string }
type table struct {
	head []string
	rows [][]string
}
type code struct{ text string }
type figure struct {
	file    string
	svg     []byte
	caption string
}

// details opens (summary != "") or closes (summary == "") a folded part:
// a <details> element in HTML, which Markdown viewers also honour.
type details struct{ summary string }

// meaning is a section's closing "What this means" paragraph.
type meaning struct{ text string }

func (heading) isBlock() {}
func (para) isBlock()    {}
func (bullets) isBlock() {}
func (table) isBlock()   {}
func (code) isBlock()    {}
func (figure) isBlock()  {}
func (details) isBlock() {}
func (meaning) isBlock() {}

func (d *document) h(level int, format string, a ...any) {
	d.blocks = append(d.blocks, heading{level: level, text: fmt.Sprintf(format, a...)})
}

// hID adds a heading with an anchor that links elsewhere point to.
func (d *document) hID(level int, id, format string, a ...any) {
	d.blocks = append(d.blocks, heading{level: level, text: fmt.Sprintf(format, a...), id: id})
}

// fold starts a folded part titled summary; unfold ends it.
func (d *document) fold(summary string) { d.blocks = append(d.blocks, details{summary}) }
func (d *document) unfold()             { d.blocks = append(d.blocks, details{}) }

// means ends a section with what its figures mean for a policy reader.
func (d *document) means(format string, a ...any) {
	d.blocks = append(d.blocks, meaning{fmt.Sprintf(format, a...)})
}
func (d *document) p(format string, a ...any) {
	d.blocks = append(d.blocks, para{fmt.Sprintf(format, a...)})
}
func (d *document) list(items ...string) { d.blocks = append(d.blocks, bullets{items}) }
func (d *document) table(head []string, rows [][]string) {
	d.blocks = append(d.blocks, table{head, rows})
}
func (d *document) code(text string) { d.blocks = append(d.blocks, code{text}) }
func (d *document) fig(f figure)     { d.blocks = append(d.blocks, f) }

// mdCell escapes what would break a Markdown table cell.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// writeMarkdown renders d as Markdown; figures link to their SVG files.
func (d *document) writeMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", d.title)
	for _, bl := range d.blocks {
		switch x := bl.(type) {
		case heading:
			if x.id != "" {
				fmt.Fprintf(&b, "<a id=\"%s\"></a>\n\n", x.id)
			}
			fmt.Fprintf(&b, "%s %s\n\n", strings.Repeat("#", x.level+1), x.text)
		case para:
			fmt.Fprintf(&b, "%s\n\n", x.text)
		case meaning:
			fmt.Fprintf(&b, "> **What this means.** %s\n\n", x.text)
		case details:
			if x.summary == "" {
				b.WriteString("</details>\n\n")
			} else {
				fmt.Fprintf(&b, "<details><summary>%s</summary>\n\n", html.EscapeString(x.summary))
			}
		case bullets:
			for _, it := range x.items {
				fmt.Fprintf(&b, "- %s\n", it)
			}
			b.WriteString("\n")
		case table:
			cells := make([]string, len(x.head))
			for i, c := range x.head {
				cells[i] = mdCell(c)
			}
			fmt.Fprintf(&b, "| %s |\n|%s\n", strings.Join(cells, " | "), strings.Repeat(" --- |", len(x.head)))
			for _, r := range x.rows {
				cells := make([]string, len(r))
				for i, c := range r {
					cells[i] = mdCell(c)
				}
				fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | "))
			}
			b.WriteString("\n")
		case code:
			fmt.Fprintf(&b, "```\n%s\n```\n\n", strings.TrimRight(x.text, "\n"))
		case figure:
			fmt.Fprintf(&b, "![%s](%s)\n\n*%s*\n\n", x.caption, x.file, x.caption)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdInline turns the Markdown the text uses inline (`code` and **bold**)
// into HTML, escaping everything else.
func mdInline(s string) string {
	var b strings.Builder
	inCode, inBold := false, false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '`':
			if inCode {
				b.WriteString("</code>")
			} else {
				b.WriteString("<code>")
			}
			inCode = !inCode
		case !inCode && s[i] == '[' && linkAt(s[i:]) > 0:
			n := linkAt(s[i:])
			m := strings.Index(s[i:], "](")
			fmt.Fprintf(&b, "<a href=\"%s\">%s</a>", html.EscapeString(s[i+m+2:i+n-1]), html.EscapeString(s[i+1:i+m]))
			i += n - 1
		case !inCode && strings.HasPrefix(s[i:], "**"):
			if inBold {
				b.WriteString("</strong>")
			} else {
				b.WriteString("<strong>")
			}
			inBold = !inBold
			i++
		default:
			b.WriteString(html.EscapeString(s[i : i+1]))
		}
	}
	if inCode {
		b.WriteString("</code>")
	}
	if inBold {
		b.WriteString("</strong>")
	}
	return b.String()
}

// linkAt returns the length of a [label](#anchor) link at the start of s,
// or 0. Only in-page anchors are links; anything else stays text.
func linkAt(s string) int {
	m := strings.Index(s, "](#")
	if m < 2 || strings.ContainsAny(s[1:m], "[]\n") {
		return 0
	}
	e := strings.IndexByte(s[m:], ')')
	if e < 0 || strings.ContainsAny(s[m+3:m+e], " \n\"<>") {
		return 0
	}
	return m + e + 1
}

const htmlStyle = `body{font-family:sans-serif;max-width:60em;margin:1em auto;padding:0 1em;line-height:1.45;color:#222;overflow-wrap:break-word}
h1{font-size:1.6em;margin:.3em 0}h2{margin-top:1.6em}
.wide{overflow-x:auto;max-width:100%}table{border-collapse:collapse;margin:1em 0;font-size:90%}
th,td{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#eee}pre{background:#f6f6f6;padding:.6em;white-space:pre-wrap;overflow-wrap:anywhere;font-size:85%}code{background:#f2f2f2;overflow-wrap:anywhere}
figure{margin:1.5em 0}figcaption{font-size:90%;color:#333}img{max-width:100%;height:auto}
details{margin:1em 0;border-left:3px solid #ccc;padding-left:.8em}summary{cursor:pointer;font-weight:bold}
.means{background:#eef5fb;border-left:4px solid #0072b2;padding:.5em .8em}
#summary+ul li,#summary+p+ul li{margin:.3em 0}
@media (max-width:600px){body{padding:0 .7em}ul{padding-left:1.2em}h1{font-size:1.35em}h2{font-size:1.3em}}`

// writeHTML renders d as one self-contained HTML file: styles inline and
// every figure embedded as a base64 data URI, so it opens offline and
// fetches nothing.
func (d *document) writeHTML(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n<h1>%s</h1>\n",
		html.EscapeString(d.title), htmlStyle, html.EscapeString(d.title))
	for _, bl := range d.blocks {
		switch x := bl.(type) {
		case heading:
			id := ""
			if x.id != "" {
				id = fmt.Sprintf(" id=\"%s\"", html.EscapeString(x.id))
			}
			fmt.Fprintf(&b, "<h%d%s>%s</h%d>\n", x.level+1, id, mdInline(x.text), x.level+1)
		case para:
			fmt.Fprintf(&b, "<p>%s</p>\n", mdInline(x.text))
		case meaning:
			fmt.Fprintf(&b, "<p class=\"means\"><strong>What this means.</strong> %s</p>\n", mdInline(x.text))
		case details:
			if x.summary == "" {
				b.WriteString("</details>\n")
			} else {
				fmt.Fprintf(&b, "<details><summary>%s</summary>\n", html.EscapeString(x.summary))
			}
		case bullets:
			b.WriteString("<ul>\n")
			for _, it := range x.items {
				fmt.Fprintf(&b, "<li>%s</li>\n", mdInline(it))
			}
			b.WriteString("</ul>\n")
		case table:
			b.WriteString("<div class=\"wide\"><table>\n<tr>")
			for _, c := range x.head {
				fmt.Fprintf(&b, "<th>%s</th>", mdInline(c))
			}
			b.WriteString("</tr>\n")
			for _, r := range x.rows {
				b.WriteString("<tr>")
				for _, c := range r {
					fmt.Fprintf(&b, "<td>%s</td>", mdInline(c))
				}
				b.WriteString("</tr>\n")
			}
			b.WriteString("</table></div>\n")
		case code:
			fmt.Fprintf(&b, "<pre>%s</pre>\n", html.EscapeString(strings.TrimRight(x.text, "\n")))
		case figure:
			fmt.Fprintf(&b, "<figure><img alt=\"%s\" src=\"data:image/svg+xml;base64,%s\"><figcaption>%s</figcaption></figure>\n",
				html.EscapeString(x.caption), base64.StdEncoding.EncodeToString(x.svg), mdInline(x.caption))
		}
	}
	b.WriteString("</body>\n</html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}
