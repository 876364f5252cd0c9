# Python 2 leftover that no longer parses
def report(rows):
    print "rows: %d" % len(rows)
