"""The Lessons tab: courses, lessons and their video links, through the backend API."""
