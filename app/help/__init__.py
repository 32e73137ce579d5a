"""Help for each role and the accessibility statement: pages written in Markdown, one file per
language under content/, so a translator edits prose rather than hundreds of msgids."""
