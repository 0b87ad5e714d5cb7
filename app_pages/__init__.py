"""The app's pages (run by st.navigation in app.py): UI only, every action a KnowledgeBase method."""
