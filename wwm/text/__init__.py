"""Text: cleaning, markup, HTML, sentences and the document quality filters."""
