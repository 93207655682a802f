"""What every stage of the lifecycle shares: errors, pages, fetch-and-authorise, form actions,
the date widget, Excel and Word writing and downloads.

The kernel imports no app of the project: every app may import it, and it imports none back.
"""
